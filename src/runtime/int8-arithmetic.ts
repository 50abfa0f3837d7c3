/**
 * The integer arithmetic of onnxruntime's u8×s8 kernels (QLinearConv, QGemm, MatMulInteger), in plain
 * numbers, so that tests and tolerances can be derived from it instead of from one machine's results.
 *
 * With VNNI (`vpdpbusd`), on ARM, and in any reference implementation, a dot product of uint8 activations and
 * int8 weights is computed exactly in int32. On x86 without VNNI (AVX2 / AVX-512BW), MLAS multiplies with
 * `vpmaddubsw`: the two products of each adjacent pair of k (0,1), (2,3), ... are added into an **int16 with
 * saturation** before being widened to int32. A pair can exceed int16 only when 2 · 255 · |w| > 32767, i.e. when
 * some weight has |w| > 64: 7-bit weights (|w| ≤ 63) are computed exactly everywhere.
 */
import { SlimnetError } from '../ir/errors.js';

/** How a kernel adds the products of a u8×s8 dot product. */
export type KernelArithmetic = 'exact' | 'pairwise-saturating';

/** int16 range of the pairwise sums of `vpmaddubsw`. */
export const INT16_MIN = -32768;
export const INT16_MAX = 32767;

/** Largest uint8 activation value. */
export const U8_MAX = 255;

/** Largest |weight| for which no pair of u8×s8 products can leave int16: floor(32767 / (2 · 255)) = 64. */
export const SATURATION_FREE_WEIGHT_MAX = Math.floor(INT16_MAX / (2 * U8_MAX));

/**
 * Σ_k a[k] · w[k] for uint8 `a` (0..255, raw, before subtracting a zero point) and int8 `w`, as the given
 * arithmetic computes it. Pairwise-saturating: each adjacent pair (a[2i]·w[2i] + a[2i+1]·w[2i+1]) is clamped to
 * int16 first (an odd length pads with a zero product, as the kernels' packing does).
 */
export function dotU8S8(a: ArrayLike<number>, w: ArrayLike<number>, arithmetic: KernelArithmetic): number {
  if (a.length !== w.length) {
    throw new SlimnetError('INVALID_ARGUMENT', `dotU8S8: lengths differ (${a.length} vs ${w.length})`);
  }
  let sum = 0;
  for (let k = 0; k < a.length; k += 2) {
    const second = k + 1 < a.length ? (a[k + 1] as number) * (w[k + 1] as number) : 0;
    const pair = (a[k] as number) * (w[k] as number) + second;
    sum += arithmetic === 'exact' ? pair : Math.min(INT16_MAX, Math.max(INT16_MIN, pair));
  }
  return sum;
}

/** True when no pair of products of weights bounded by |w| ≤ weightMax can saturate, whatever the activations. */
export function saturationFree(weightMax: number): boolean {
  return 2 * U8_MAX * weightMax <= INT16_MAX;
}
