/**
 * int8 symmetric weight quantization (per tensor or per output channel), full range (8 bits, |q| ≤ 127) or
 * reduced range (7 bits, |q| ≤ 63: onnxruntime's `reduce_range`, which x86 kernels without VNNI compute exactly,
 * see runtime/int8-arithmetic.ts), and int32 bias quantization.
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { Tensor } from '../../../ir/tensor.js';
import { f32, quantizeValue } from '../common/qparams.js';

export interface QuantizedWeight {
  readonly data: Int8Array;
  /** One scale (per tensor) or one per channel along `axis`. */
  readonly scales: Float32Array;
  readonly axis: number | undefined;
}

/** Bits of a quantized weight: 8 (full int8 range) or 7 (reduced range). */
export type WeightBits = 7 | 8;

/** Largest |q| of symmetric weights with `bits` bits: 127 for 8, 63 for 7. */
export function weightQmax(bits: WeightBits): number {
  if (bits !== 7 && bits !== 8) {
    throw new SlimnetError('INVALID_ARGUMENT', `weight bits must be 7 or 8, got ${String(bits)}`);
  }
  return 2 ** (bits - 1) - 1;
}

/**
 * Quantizes w to int8 with zero point 0: scale = max|w| / qmax per tensor, or per slice along `axis`, with
 * qmax = 127 (8 bits, default) or 63 (7 bits); every q lies in [−qmax, qmax].
 */
export function quantizeWeight(w: Tensor, axis: number | undefined, bits: WeightBits = 8): QuantizedWeight {
  const x = w.toFloat32();
  const qmax = weightQmax(bits);
  if (axis !== undefined && (axis < 0 || axis >= w.rank)) {
    throw new SlimnetError('INVALID_ARGUMENT', `weight axis ${axis} out of range for rank ${w.rank}`);
  }
  const channels = axis === undefined ? 1 : (w.dims[axis] as number);
  const inner = axis === undefined ? x.length : w.dims.slice(axis + 1).reduce((a, d) => a * d, 1);
  const channelOf = (i: number): number => (axis === undefined ? 0 : Math.floor(i / inner) % channels);
  const absmax = new Float64Array(channels);
  for (let i = 0; i < x.length; i++) {
    const c = channelOf(i);
    absmax[c] = Math.max(absmax[c] as number, Math.abs(x[i] as number));
  }
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) scales[c] = f32((absmax[c] as number) > 0 ? (absmax[c] as number) / qmax : 1);
  const data = new Int8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const q = quantizeValue(x[i] as number, { scale: scales[channelOf(i)] as number, zeroPoint: 0, type: 'int8' });
    data[i] = Math.min(qmax, Math.max(-qmax, q));
  }
  return { data, scales, axis };
}

/** Bias to int32 with scale s_x · s_w[c] (zero point 0); returns the values and the scales used. */
export function quantizeBias(b: Tensor, inputScale: number, weightScales: Float32Array): { readonly data: Int32Array; readonly scales: Float32Array } {
  const x = b.toFloat32();
  const scales = new Float32Array(x.length);
  const data = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const s = f32(inputScale * (weightScales.length === 1 ? (weightScales[0] as number) : (weightScales[i] as number)));
    scales[i] = s;
    data[i] = quantizeValue(x[i] as number, { scale: s, zeroPoint: 0, type: 'int32' });
  }
  return { data, scales };
}
