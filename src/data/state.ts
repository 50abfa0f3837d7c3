/**
 * Recurrent state in feeds: a model input that receives one of the model's own outputs from the previous step
 * (h0 <- hn, state <- stateN, state_in <- state_out). Pairs are declared by the user or inferred from names and
 * shapes; an inferred pair needs exactly one output whose name has the same stem and whose shape is compatible.
 */
import type { Shape } from '../ir/shape.js';

/** A state pair: the model output fed back into `input` at the next step of a sequence. */
export interface StatePair {
  /** The model input that receives the state. */
  readonly input: string;
  /** The model output that produces the next state. */
  readonly output: string;
}

/** How feeds drive a recurrent model. */
export interface FeedState {
  /** Declared pairs; when absent, pairs are inferred (inferStatePairs) for the inputs the feeds do not provide. */
  readonly pairs?: readonly StatePair[];
  /** Samples per sequence: the state restarts from zeros every `sequenceLength` samples (default: one sequence). */
  readonly sequenceLength?: number;
}

/** A named value with its declared shape, as a session reports it. */
export interface NamedShape {
  readonly name: string;
  readonly shape: Shape | undefined;
}

const PREFIX = /^(new|next|prev|past|present|init|initial|in|out)[_.-]/;
const SUFFIX = /([_.-](in|out|new|next|prev|init)|[_.-]?([0-9]+|n))$/;

/** The stems of a state name: lower case, with and without in/out, new/next/prev, 0/N or index affixes. */
export function stateStems(name: string): Set<string> {
  const lower = name.toLowerCase();
  const bare = lower.replace(PREFIX, '');
  return new Set([lower, bare, lower.replace(SUFFIX, ''), bare.replace(SUFFIX, '')].filter((s) => s !== ''));
}

function sameStem(a: string, b: string): boolean {
  const sb = stateStems(b);
  return [...stateStems(a)].some((s) => sb.has(s));
}

/** True when two declared shapes can hold the same tensor (same rank, equal where both dims are numbers). */
export function shapesCompatible(a: Shape | undefined, b: Shape | undefined): boolean {
  if (a === undefined || b === undefined) return true;
  return a.length === b.length && a.every((d, i) => typeof d !== 'number' || typeof b[i] !== 'number' || d === b[i]);
}

/**
 * Pairs for `inputs` (the model inputs the feeds do not provide) with the model's `outputs`: for each input, the
 * one output sharing a stem (stateStems) and a compatible shape. Inputs without exactly one match are left out.
 */
export function inferStatePairs(inputs: readonly NamedShape[], outputs: readonly NamedShape[]): StatePair[] {
  const pairs: StatePair[] = [];
  for (const i of inputs) {
    const found = outputs.filter((o) => o.name !== i.name && sameStem(i.name, o.name) && shapesCompatible(i.shape, o.shape));
    if (found.length === 1) pairs.push({ input: i.name, output: (found[0] as NamedShape).name });
  }
  return pairs;
}
