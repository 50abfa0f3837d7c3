/**
 * Non-finite weights (NaN, ±Inf) poison every compression method silently: magnitude pruning keeps NaNs,
 * k-means spreads one Inf over a whole codebook, low-rank factorisations pass NaNs through. These checks find
 * the first such element so callers can refuse the model with a typed error naming the tensor and the index.
 */
import { SlimnetError } from './errors.js';
import type { Model } from './graph.js';
import type { Tensor } from './tensor.js';

/** Where a tensor holds its first non-finite element. */
export interface NonFiniteElement {
  /** Initializer (or tensor) name. */
  readonly name: string;
  /** Flat row-major element index. */
  readonly index: number;
  /** The element's value: NaN, Infinity or -Infinity. */
  readonly value: number;
}

/** 16-bit patterns whose exponent bits are all ones (NaN / Inf) under `exponentMask`. */
function firstSpecial16(bits: Uint16Array, exponentMask: number): number {
  for (let i = 0; i < bits.length; i++) if (((bits[i] as number) & exponentMask) === exponentMask) return i;
  return -1;
}

/** Index of the first NaN / ±Inf element of a floating-point tensor; -1 when all are finite or not floats. */
export function firstNonFiniteIndex(t: Tensor): number {
  const d = t.data;
  if (d instanceof Float32Array || d instanceof Float64Array) {
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i] as number)) return i;
    return -1;
  }
  if (d instanceof Uint16Array && t.dtype === 'float16') return firstSpecial16(d, 0x7c00);
  if (d instanceof Uint16Array && t.dtype === 'bfloat16') return firstSpecial16(d, 0x7f80);
  return -1;
}

function valueAt(t: Tensor, i: number): number {
  const d = t.data;
  if (d instanceof Float32Array || d instanceof Float64Array) return d[i] as number;
  const bits = (d as Uint16Array)[i] as number;
  const mantissa = t.dtype === 'float16' ? bits & 0x3ff : bits & 0x7f;
  return mantissa !== 0 ? NaN : (bits & 0x8000) !== 0 ? -Infinity : Infinity;
}

/** The first non-finite element among `tensors` (in the order given), or undefined. */
export function findNonFinite(tensors: Iterable<readonly [string, Tensor]>): NonFiniteElement | undefined {
  for (const [name, t] of tensors) {
    const index = firstNonFiniteIndex(t);
    if (index >= 0) return { name, index, value: valueAt(t, index) };
  }
  return undefined;
}

/** Every initializer of the model's main graph, by name. */
function* initializersOf(model: Model): Generator<readonly [string, Tensor]> {
  for (const [name, v] of model.graph.initializers) if (v.initializer !== undefined) yield [name, v.initializer];
}

/**
 * Throws MODEL_INVALID naming the first initializer holding NaN or ±Inf, its element index and `source` (the
 * model file or label); `what` says who refuses (e.g. 'k-means sharing').
 */
export function assertFiniteTensors(
  tensors: Iterable<readonly [string, Tensor]>, source: string, what = 'slimnet',
): void {
  const bad = findNonFinite(tensors);
  if (bad === undefined) return;
  throw new SlimnetError(
    'MODEL_INVALID',
    `${source}: initializer '${bad.name}' holds ${String(bad.value)} at element ${bad.index}; ${what} refuses `
      + 'non-finite weights (NaN / Inf) because every result computed from them would be meaningless',
  );
}

/** assertFiniteTensors over every initializer of `model`. */
export function assertFiniteWeights(model: Model, source = `model '${model.graph.name}'`, what = 'slimnet'): void {
  assertFiniteTensors(initializersOf(model), source, what);
}
