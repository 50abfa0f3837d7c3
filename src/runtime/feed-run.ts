/**
 * Running a session over feeds: the feeds are checked against the model's inputs (names, sample shapes, dtypes),
 * then run in batches. A model with recurrent state (data/state.ts) runs one sample per step instead, each state
 * input fed with the output it pairs with from the previous step (zeros at the start of every sequence).
 */
import { feedBatches, type FeedBatch, type FeedSet } from '../data/feeds.js';
import { inferStatePairs, shapesCompatible, type StatePair } from '../data/state.js';
import { SlimnetError } from '../ir/errors.js';
import { shapeToString } from '../ir/shape.js';
import { Tensor } from '../ir/tensor.js';
import type { Session, SessionValueInfo } from './session.js';

/** Options of feedRuns. */
export interface FeedRunOptions {
  /** Samples per run (default 64; a model with state runs one sample per step). */
  readonly batchSize?: number;
  /** Only the first `limit` samples. */
  readonly limit?: number;
  /** Outputs to compute (default: every output of the session); state outputs are computed as well. */
  readonly outputs?: readonly string[];
}

/** One run: the batch fed and the outputs it produced. */
export interface FeedRun {
  readonly batch: FeedBatch;
  readonly outputs: Record<string, Tensor>;
}

/** The state pairs of a session on these feeds: declared ones (checked), or inferred for the inputs not fed. */
export function statePairs(session: Session, feeds: FeedSet, model: string): StatePair[] {
  const fed = new Set(feeds.inputs.map((x) => x.name));
  const declared = feeds.state?.pairs;
  if (declared === undefined) return inferStatePairs(session.inputs.filter((i) => !fed.has(i.name)), session.outputs);
  for (const p of declared) {
    const input = session.inputs.find((i) => i.name === p.input);
    const output = session.outputs.find((o) => o.name === p.output);
    const problem = input === undefined ? `'${p.input}' is no input`
      : output === undefined ? `'${p.output}' is no output`
        : fed.has(p.input) ? `input '${p.input}' also has samples`
          : !shapesCompatible(input.shape, output.shape) ? `shapes ${shapeToString(output.shape)} and `
            + `${shapeToString(input.shape)} differ` : undefined;
    if (problem !== undefined) {
      const what = `${feeds.source}: state pair ${p.output} -> ${p.input}`;
      throw new SlimnetError('DATASET_INVALID', `${what}: ${problem} of ${model}`);
    }
  }
  return [...declared];
}

function checkInput(info: SessionValueInfo, x: FeedSet['inputs'][number], source: string, model: string): void {
  const rest = info.shape?.slice(1) ?? [];
  const fits = rest.length === x.sampleShape.length
    && rest.every((d, i) => typeof d !== 'number' || d === x.sampleShape[i]);
  if (info.shape !== undefined && !fits) {
    throw new SlimnetError('DATASET_INVALID', `${source}: input '${info.name}' samples have shape `
      + `[${x.sampleShape.join(', ')}], ${model} expects [N, ${rest.map((d) => d ?? '?').join(', ')}]`);
  }
  if (info.dtype !== undefined && info.dtype !== x.dtype) {
    throw new SlimnetError('DATASET_INVALID', `${source}: input '${info.name}' samples are ${x.dtype}, `
      + `${model} expects ${info.dtype}`);
  }
}

/** Checks that `feeds` provides exactly the session's inputs (less the state inputs), with matching samples. */
export function checkFeeds(
  inputs: readonly SessionValueInfo[], feeds: FeedSet, model: string, state: readonly StatePair[] = [],
): void {
  const given = new Map(feeds.inputs.map((x) => [x.name, x]));
  const stateInputs = new Set(state.map((p) => p.input));
  for (const info of inputs) {
    if (stateInputs.has(info.name)) continue;
    const x = given.get(info.name);
    if (x === undefined) {
      throw new SlimnetError('DATASET_INVALID', `${feeds.source}: no samples for input '${info.name}' of ${model} `
        + `(has: ${[...given.keys()].join(', ')}; a recurrent state input is declared in feeds.json, `
        + 'see docs/data.md)');
    }
    checkInput(info, x, feeds.source, model);
    given.delete(info.name);
  }
  if (given.size > 0) {
    throw new SlimnetError('DATASET_INVALID', `${feeds.source}: ${[...given.keys()].join(', ')} `
      + `name no input of ${model} (inputs: ${inputs.map((i) => i.name).join(', ')})`);
  }
}

/** Zeros for a state input at the start of a sequence (symbolic and unknown dims taken as 1). */
function initialState(info: SessionValueInfo | undefined, name: string): Tensor {
  if (info?.shape === undefined) {
    throw new SlimnetError('DATASET_INVALID', `state input '${name}' declares no shape; its initial zeros are unknown`);
  }
  return new Tensor(info.dtype ?? 'float32', info.shape.map((d) => (typeof d === 'number' ? d : 1)));
}

/** Runs the session over the feeds (checked first), yielding every batch with its outputs. */
export async function* feedRuns(
  session: Session, feeds: FeedSet, opts: FeedRunOptions = {}, model = 'the model',
): AsyncGenerator<FeedRun> {
  const state = statePairs(session, feeds, model);
  checkFeeds(session.inputs, feeds, model, state);
  const wanted = opts.outputs === undefined ? undefined
    : [...new Set([...opts.outputs, ...state.map((p) => p.output)])];
  if (state.length === 0) {
    for (const batch of feedBatches(feeds, opts.batchSize ?? 64, opts.limit)) {
      yield { batch, outputs: await session.run(batch.feeds, wanted) };
    }
    return;
  }
  const length = feeds.state?.sequenceLength ?? Infinity;
  let carried: Record<string, Tensor> = {};
  for (const batch of feedBatches(feeds, 1, opts.limit)) {
    if (batch.start % length === 0) {
      carried = Object.fromEntries(state.map((p) => [p.input,
        initialState(session.inputs.find((i) => i.name === p.input), p.input)]));
    }
    const outputs = await session.run({ ...batch.feeds, ...carried }, wanted);
    carried = Object.fromEntries(state.map((p) => [p.input, outputs[p.output] as Tensor]));
    yield { batch, outputs };
  }
}
