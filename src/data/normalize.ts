/**
 * Turning raw splits into normalised float32 Splits. Values are first scaled to [0, 1] (raw × scale),
 * then normalised per channel: x' = (x − mean[c]) / std[c]. For image samples [C,H,W] there is one
 * mean/std per channel; for any other sample shape a single mean/std covers all features.
 */
import { SlimnetError } from '../ir/errors.js';
import type { Normalization, RawSplit, Split } from './types.js';
import { sampleSize } from './types.js';

/** Channels used for per-channel statistics: C for [C,H,W] samples, 1 otherwise. */
export function channelCount(sampleShape: readonly number[]): number {
  return sampleShape.length === 3 ? (sampleShape[0] as number) : 1;
}

/** Per-channel mean and std (population) of `raw` after scaling, over its first `limit` samples. */
export function computeNormalization(raw: RawSplit, limit = raw.count): Normalization {
  const n = Math.min(limit, raw.count);
  const channels = channelCount(raw.sampleShape);
  const per = sampleSize(raw.sampleShape) / channels;
  const sum = new Float64Array(channels);
  const sumSq = new Float64Array(channels);
  const { data, scale } = raw;
  for (let s = 0; s < n; s++) {
    for (let c = 0; c < channels; c++) {
      const base = (s * channels + c) * per;
      let a = 0;
      let b = 0;
      for (let i = 0; i < per; i++) {
        const v = (data[base + i] as number) * scale;
        a += v;
        b += v * v;
      }
      sum[c] = (sum[c] as number) + a;
      sumSq[c] = (sumSq[c] as number) + b;
    }
  }
  const total = Math.max(1, n * per);
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    const m = (sum[c] as number) / total;
    const variance = Math.max(0, (sumSq[c] as number) / total - m * m);
    mean.push(m);
    // A constant channel would divide by zero; keep it unscaled instead.
    std.push(variance > 1e-12 ? Math.sqrt(variance) : 1);
  }
  return { mean, std };
}

/**
 * Converts the first `limit` samples of `raw` into a float32 Split, scaling to [0, 1] and applying
 * `norm` when given (undefined = scale only).
 */
export function toSplit(raw: RawSplit, norm: Normalization | undefined, limit = raw.count): Split {
  const count = Math.min(Math.max(0, Math.floor(limit)), raw.count);
  const size = sampleSize(raw.sampleShape);
  const channels = channelCount(raw.sampleShape);
  const per = size / channels;
  if (norm !== undefined && norm.mean.length !== 1 && norm.mean.length !== channels) {
    throw new SlimnetError(
      'INVALID_ARGUMENT',
      `normalisation has ${norm.mean.length} means but the samples [${raw.sampleShape.join(',')}] have ${channels} channel(s)`,
    );
  }
  const images = new Float32Array(count * size);
  const { data, scale } = raw;
  for (let s = 0; s < count; s++) {
    for (let c = 0; c < channels; c++) {
      const ci = norm === undefined ? 0 : Math.min(c, norm.mean.length - 1);
      const mean = norm === undefined ? 0 : (norm.mean[ci] as number);
      const invStd = norm === undefined ? 1 : 1 / (norm.std[ci] as number);
      const base = (s * channels + c) * per;
      for (let i = 0; i < per; i++) images[base + i] = ((data[base + i] as number) * scale - mean) * invStd;
    }
  }
  return { images, labels: raw.labels.slice(0, count), count, sampleShape: [...raw.sampleShape] };
}

/** Checks labels are integers in [0, numClasses); names `what` (a file or split) in the error. */
export function checkLabels(labels: Int32Array, numClasses: number, what: string): void {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i] as number;
    if (l < 0 || l >= numClasses) {
      throw new SlimnetError('DATASET_INVALID', `${what}: label ${l} at index ${i} is outside [0, ${numClasses})`);
    }
  }
}

/** Number of classes implied by labels: max label + 1 over all given arrays. */
export function inferNumClasses(...labelArrays: Int32Array[]): number {
  let max = -1;
  for (const a of labelArrays) for (let i = 0; i < a.length; i++) if ((a[i] as number) > max) max = a[i] as number;
  return max + 1;
}

/** Converts label values of any numeric array to Int32Array, rejecting non-integers and negatives. */
export function toLabels(values: ArrayLike<number | bigint>, what: string): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new SlimnetError('DATASET_INVALID', `${what}: label at index ${i} is ${v}, expected a non-negative integer`);
    }
    out[i] = v;
  }
  return out;
}
