/**
 * Dimension arithmetic shared by the shape rules. A Dim is a number, a symbol ('N') or null (unknown).
 * Symbols survive only operations that provably keep them (x·1, x+0, broadcasting against 1);
 * anything else involving a symbol yields null.
 */
import type { Dim, Shape } from '../../ir/shape.js';
import type { RuleContext } from './types.js';

export type Fail = (message: string) => never;

/** Numpy broadcasting of two dims. Two different numbers (neither 1) contradict. */
export function broadcastDim(a: Dim, b: Dim, fail: Fail): Dim {
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === b) return a;
  if (typeof a === 'number' && typeof b === 'number') fail(`cannot broadcast dimensions ${a} and ${b}`);
  if (typeof a === 'number') return a;
  if (typeof b === 'number') return b;
  return null;
}

/** Numpy broadcasting of any number of shapes. */
export function broadcastShapes(shapes: readonly Shape[], fail: Fail): Shape {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      if (k >= 0) d = broadcastDim(d, s[k] as Dim, fail);
    }
    out.push(d);
  }
  return out;
}

/** Normalises a possibly negative axis against `rank`, failing when out of range. */
export function normAxis(axis: number, rank: number, fail: Fail): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) fail(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Product of dims: a number when all are numbers, the lone symbol when the rest are 1, else null. */
export function prodDims(dims: readonly Dim[]): Dim {
  let n = 1;
  const syms: Dim[] = [];
  for (const d of dims) {
    if (typeof d === 'number') n *= d;
    else syms.push(d);
  }
  if (syms.length === 0) return n;
  if (n === 0) return 0;
  return syms.length === 1 && n === 1 ? (syms[0] as Dim) : null;
}

/** d + k (k a number): numeric sum, or d itself when k is 0. */
export function addDim(d: Dim, k: number): Dim {
  if (typeof d === 'number') return d + k;
  return k === 0 ? d : null;
}

/** Sum of dims (Concat): numbers add; a symbol survives only next to zeros. */
export function sumDims(dims: readonly Dim[]): Dim {
  let n = 0;
  const syms: Dim[] = [];
  for (const d of dims) {
    if (typeof d === 'number') n += d;
    else syms.push(d);
  }
  if (syms.length === 0) return n;
  return syms.length === 1 && n === 0 ? (syms[0] as Dim) : null;
}

/** Combines two descriptions of the same dim: numbers win over symbols, symbols over null. */
export function mergeDim(a: Dim, b: Dim): Dim {
  if (typeof a === 'number') return a;
  if (typeof b === 'number') return b;
  return a ?? b;
}

/** Requires two dims that must agree (when both are numbers) to be equal. */
export function expectDim(ctx: RuleContext, got: Dim, want: Dim, what: string): void {
  if (typeof got === 'number' && typeof want === 'number' && got !== want) {
    ctx.fail(`${what}: expected ${want}, got ${got}`);
  }
}

/** Requires the shape of input i to have the given rank (when known); returns it. */
export function shapeOfRank(ctx: RuleContext, i: number, rank: number, what: string): Shape | undefined {
  const s = ctx.shape(i);
  if (s !== undefined && s.length !== rank) ctx.fail(`${what} should have rank ${rank}, got [${s.join(',')}]`);
  return s;
}

/** Axes from an 'axes' attribute (older opsets) or from input `inputIndex` (newer opsets). */
export function axesOf(ctx: RuleContext, inputIndex: number, inputSince: number): number[] | undefined | 'unknown' {
  if (ctx.opset < inputSince) return ctx.node.attrInts('axes')?.slice();
  if (!ctx.has(inputIndex)) return undefined;
  return ctx.numbers(inputIndex) ?? 'unknown';
}

/** A shape of `rank` unknown dims. */
export function unknownShape(rank: number): Shape {
  return new Array<Dim>(rank).fill(null);
}
