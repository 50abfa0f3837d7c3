/** Plain-JavaScript helpers of the quantizers' reference implementations (export and tests). */
import { SlimnetError } from '../../../ir/errors.js';
import type { WeightLayout } from './types.js';

/** +1 for x ≥ 0, −1 otherwise (the 1-bit code; ONNX Sign would give 0 at 0). */
export function signPlus(x: number): number {
  return x >= 0 ? 1 : -1;
}

/** Output-channel count of a layout. */
export function channelCount(l: Pick<WeightLayout, 'dims' | 'channelAxis'>): number {
  const m = l.dims[l.channelAxis];
  if (m === undefined) throw new SlimnetError('INVALID_ARGUMENT', `weight has no axis ${l.channelAxis} (dims [${l.dims.join(', ')}])`);
  return m;
}

/** Output channel of flat element i. */
export function channelOf(l: Pick<WeightLayout, 'dims' | 'channelAxis'>, i: number): number {
  const inner = l.dims.slice(l.channelAxis + 1).reduce((a, d) => a * d, 1);
  return Math.floor(i / inner) % channelCount(l);
}

/** Mean of f(w_i) per output channel. */
export function perChannelMean(w: Float32Array, l: Pick<WeightLayout, 'dims' | 'channelAxis'>, f: (x: number) => number): Float32Array {
  const m = channelCount(l);
  const sum = new Float64Array(m);
  const count = new Float64Array(m);
  for (let i = 0; i < w.length; i++) {
    const c = channelOf(l, i);
    sum[c]! += f(w[i] as number);
    count[c]! += 1;
  }
  return Float32Array.from(sum, (s, c) => s / Math.max(1, count[c] as number));
}

/** Mean of |w| over the whole tensor. */
export function meanAbs(w: Float32Array): number {
  let s = 0;
  for (const v of w) s += Math.abs(v);
  return w.length === 0 ? 0 : s / w.length;
}

/** max |w| over the whole tensor. */
export function maxAbs(w: Float32Array): number {
  let m = 0;
  for (const v of w) m = Math.max(m, Math.abs(v));
  return m;
}

/** A per-channel scale holding one value for every channel (per-layer scales in the per-channel form). */
export function filled(l: Pick<WeightLayout, 'dims' | 'channelAxis'>, v: number): Float32Array {
  return new Float32Array(channelCount(l)).fill(v);
}

