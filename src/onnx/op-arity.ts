/**
 * How many inputs and outputs a standard (ai.onnx) operator takes at a given opset, from the generated
 * table in op-arity-table.ts. Ops outside the table (custom domains, contrib ops, ops newer than the
 * model's opset) have no known arity.
 */
import { ARITY_TABLE } from './op-arity-table.js';

/** Inclusive input and output count ranges; `Infinity` for variadic maxima. */
export interface Arity {
  readonly minInputs: number;
  readonly maxInputs: number;
  readonly minOutputs: number;
  readonly maxOutputs: number;
}

interface ArityEntry extends Arity {
  readonly since: number;
}

let parsed: Map<string, readonly ArityEntry[]> | undefined;

function parseSpan(text: string): [number, number] {
  if (text.endsWith('+')) return [Number(text.slice(0, -1)), Infinity];
  const [lo = '', hi = lo] = text.split('-');
  return [Number(lo), Number(hi)];
}

function parseEntry(text: string): ArityEntry {
  const [since = '', io = ''] = text.split(':');
  const [ins = '', outs = ''] = io.split('/');
  const [minInputs, maxInputs] = parseSpan(ins);
  const [minOutputs, maxOutputs] = parseSpan(outs);
  return { since: Number(since), minInputs, maxInputs, minOutputs, maxOutputs };
}

function table(): Map<string, readonly ArityEntry[]> {
  if (parsed !== undefined) return parsed;
  parsed = new Map();
  for (const line of ARITY_TABLE.split('\n')) {
    const [op, ...entries] = line.trim().split(' ');
    if (op === undefined || op === '') continue;
    parsed.set(op, entries.map(parseEntry));
  }
  return parsed;
}

/**
 * The arity of ai.onnx operator `opType` at `opset` (the schema with the newest since-version not above
 * it), or undefined when the table does not know the op at that opset. Opsets newer than the table
 * (ARITY_TABLE_MAX_OPSET) get the newest schema it has: regenerate the table when ONNX adds an opset.
 */
export function opArity(opType: string, opset: number): Arity | undefined {
  let best: ArityEntry | undefined;
  for (const e of table().get(opType) ?? []) if (e.since <= opset) best = e;
  return best;
}

/** A count range as text: `2`, `2 to 3`, `at least 1`. */
export function describeRange(min: number, max: number): string {
  if (max === Infinity) return `at least ${min}`;
  return min === max ? String(min) : `${min} to ${max}`;
}
