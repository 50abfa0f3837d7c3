/**
 * Affine quantization math shared by the quantizers: q = saturate(roundHalfEven(x / scale) + zeroPoint),
 * x ≈ (q − zeroPoint) · scale — exactly what ONNX QuantizeLinear / DequantizeLinear compute.
 */
import { SlimnetError } from '../../../ir/errors.js';

export type QuantType = 'uint8' | 'int8' | 'int32';

export interface QParams {
  readonly scale: number;
  readonly zeroPoint: number;
  readonly type: QuantType;
}

/** Integer range of a quantized type. */
export function qRange(type: QuantType): { readonly qmin: number; readonly qmax: number } {
  switch (type) {
    case 'uint8': return { qmin: 0, qmax: 255 };
    case 'int8': return { qmin: -128, qmax: 127 };
    case 'int32': return { qmin: -2147483648, qmax: 2147483647 };
  }
}

/** Rounds to the nearest integer, ties to even (ONNX QuantizeLinear's rounding). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds ties up; move exact .5 ties that landed on an odd number back down.
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** float32 rounding of a scale (ONNX stores scales as float32; computing with the stored value avoids drift). */
export function f32(x: number): number {
  return Math.fround(x);
}

/**
 * Quantization parameters covering [min, max] (the range is widened to include 0 so that 0 is exact).
 * Symmetric: zero point at the centre of the type (0 for int8, 128 for uint8), scale = max|x| / 127;
 * asymmetric: scale = (max − min) / (qmax − qmin), zero point = qmin − min / scale (rounded, saturated).
 */
export function computeQParams(min: number, max: number, type: QuantType, symmetric: boolean): QParams {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new SlimnetError('INVALID_ARGUMENT', `quantization range must be finite with min <= max, got [${min}, ${max}]`);
  }
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const { qmin, qmax } = qRange(type);
  if (symmetric) {
    const absmax = Math.max(-lo, hi);
    const half = type === 'uint8' ? 127 : Math.floor((qmax - qmin) / 2);
    const scale = f32(absmax > 0 ? absmax / half : 1);
    return { scale, zeroPoint: type === 'uint8' ? 128 : 0, type };
  }
  if (hi === lo) return { scale: 1, zeroPoint: type === 'uint8' ? 0 : 0, type };
  const scale = f32((hi - lo) / (qmax - qmin));
  const zp = Math.min(qmax, Math.max(qmin, roundHalfEven(qmin - lo / scale)));
  return { scale, zeroPoint: zp, type };
}

/** One value quantized (saturating). */
export function quantizeValue(x: number, qp: QParams): number {
  const { qmin, qmax } = qRange(qp.type);
  const q = roundHalfEven(x / qp.scale) + qp.zeroPoint;
  return Math.min(qmax, Math.max(qmin, q));
}

export function dequantizeValue(q: number, qp: QParams): number {
  return (q - qp.zeroPoint) * qp.scale;
}

/** quantize then dequantize (the "fake quantization" the QDQ graph computes). */
export function fakeQuantizeValue(x: number, qp: QParams): number {
  return dequantizeValue(quantizeValue(x, qp), qp);
}

/** Quantizes an array into a fresh typed array of the quantized type. */
export function quantizeArray(x: ArrayLike<number>, qp: QParams): Int8Array | Uint8Array | Int32Array {
  const out = qp.type === 'uint8' ? new Uint8Array(x.length) : qp.type === 'int8' ? new Int8Array(x.length) : new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = quantizeValue(x[i] as number, qp);
  return out;
}

/** Σ ref² and Σ (ref − test)²: the two sums of an SQNR, kept apart so callers can accumulate over batches. */
export function sqnrSums(ref: ArrayLike<number>, test: ArrayLike<number>): { signal: number; noise: number } {
  if (ref.length !== test.length) throw new SlimnetError('INVALID_ARGUMENT', `sqnr: lengths differ (${ref.length} vs ${test.length})`);
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] as number;
    const d = r - (test[i] as number);
    signal += r * r;
    noise += d * d;
  }
  return { signal, noise };
}

/** Signal-to-quantization-noise ratio in dB: 10·log10(Σ ref² / Σ (ref − test)²); Infinity when equal. */
export function sqnrDb(ref: ArrayLike<number>, test: ArrayLike<number>): number {
  const { signal, noise } = sqnrSums(ref, test);
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
}
