/**
 * The circulant layer (Cheng et al. 2015): y = circ(r) · D · x with a learned r of length d and a fixed
 * random sign vector D (the paper's D, which breaks the structure's symmetry). For in ≠ out the input is
 * zero-padded to d >= max(in, out) and the output truncated to its first `out` entries, i.e.
 *   y[i] = Σ_{j < in} r[(i − j) mod d] · D[j] · x[j],   i < out.
 * d is the next power of two by default (onnxruntime's DFT is fast only there), or exactly max(in, out).
 */
import { SlimnetError } from '../../../ir/errors.js';
import { Rng } from '../../../util/rng.js';
import { signedIndex } from '../common/signed-table.js';

/** How the circulant size d is chosen: next power of two >= max(in, out), exactly max(in, out), or given. */
export type CirculantSize = 'pow2' | 'exact' | number;

/**
 * The circulant size d of a layer: the next power of two >= max(in, out) ('pow2'), max(in, out) ('exact') or a given
 * size (checked).
 */
export function circulantSize(inFeatures: number, outFeatures: number, size: CirculantSize = 'pow2'): number {
  const need = Math.max(inFeatures, outFeatures);
  if (size === 'exact') return need;
  if (size === 'pow2') return 2 ** Math.ceil(Math.log2(need));
  if (!Number.isInteger(size) || size < need) {
    throw new SlimnetError('INVALID_ARGUMENT', `circulant size must be an integer >= max(in, out) = ${need}, got ${size}`);
  }
  return size;
}

/** The ±1 sign vector D of a layer (int8). */
export function circulantSigns(inFeatures: number, seed: number): Int8Array {
  const rng = new Rng(seed);
  return Int8Array.from({ length: inFeatures }, () => (rng.next() < 0.5 ? -1 : 1));
}

/** Signed indices of the dense [out, in] weight: entry (i, j) is D[j] · r[(i − j) mod d]. */
export function circulantIndex(outFeatures: number, inFeatures: number, d: number, signs: Int8Array): Int32Array {
  const idx = new Int32Array(outFeatures * inFeatures);
  for (let i = 0; i < outFeatures; i++) {
    for (let j = 0; j < inFeatures; j++) idx[i * inFeatures + j] = signedIndex((((i - j) % d) + d) % d, (signs[j] as number) < 0);
  }
  return idx;
}

/** Reference y = circ(r) · D · x for one sample, straight from the definition (tests, checks). */
export function circulantApply(r: ArrayLike<number>, signs: Int8Array, x: ArrayLike<number>, outFeatures: number): Float64Array {
  const d = r.length;
  const y = new Float64Array(outFeatures);
  for (let i = 0; i < outFeatures; i++) {
    let s = 0;
    for (let j = 0; j < x.length; j++) s += (r[(((i - j) % d) + d) % d] as number) * (signs[j] as number) * (x[j] as number);
    y[i] = s;
  }
  return y;
}
