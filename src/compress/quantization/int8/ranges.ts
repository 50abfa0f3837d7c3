/**
 * Calibration range selection from activation statistics: min-max, percentile and entropy (KL divergence,
 * TensorRT-style). Percentile and entropy work on a histogram of |x| over [0, max|x|] and return a clipping
 * threshold t; the range becomes [max(min, −t), min(max, t)].
 */
import { SlimnetError } from '../../../ir/errors.js';

export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy';

/** Running statistics of one tensor. */
export interface TensorStats {
  min: number;
  max: number;
  /** Histogram of |x| with `bins` equal bins over [0, absMax] (absent for min-max calibration). */
  hist?: Float64Array;
  /** Upper edge of the histogram (max |x| seen in the first pass). */
  histMax?: number;
}

export const HISTOGRAM_BINS = 2048;

/**
 * Adds |x| of `data` into `hist` (bins over [0, histMax]; values above land in the last bin). Exact zeros
 * are left out: every range represents 0 exactly, and the spike a ReLU leaves at 0 (often half the values)
 * would otherwise dominate the distribution — the entropy search then cuts at the first candidate, where
 * no bins merge, clipping most of the real range.
 */
export function accumulateHistogram(hist: Float64Array, histMax: number, data: ArrayLike<number>): void {
  const bins = hist.length;
  if (histMax <= 0) return;
  const k = bins / histMax;
  for (let i = 0; i < data.length; i++) {
    const x = data[i] as number;
    if (x === 0) continue;
    const b = Math.min(bins - 1, Math.floor(Math.abs(x) * k));
    hist[b] = (hist[b] as number) + 1;
  }
}

/** Smallest threshold t with at least `percentile` % of the histogram mass at |x| <= t. */
export function percentileThreshold(hist: Float64Array, histMax: number, percentile: number): number {
  if (!(percentile > 0 && percentile <= 100)) throw new SlimnetError('INVALID_ARGUMENT', `percentile must be in (0, 100], got ${percentile}`);
  const total = hist.reduce((a, b) => a + b, 0);
  const want = (total * percentile) / 100;
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i] as number;
    if (acc >= want) return ((i + 1) * histMax) / hist.length;
  }
  return histMax;
}

/** KL(p || q) for unnormalised p, q (entries where p is 0 contribute nothing; q = 0 where p > 0 is penalised). */
function klDivergence(p: Float64Array, q: Float64Array): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i] as number;
    sq += q[i] as number;
  }
  if (sp === 0 || sq === 0) return Infinity;
  let kl = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = (p[i] as number) / sp;
    if (pi === 0) continue;
    const qi = (q[i] as number) / sq;
    kl += qi === 0 ? pi * 1e4 : pi * Math.log(pi / qi);
  }
  return kl;
}

/**
 * TensorRT's entropy calibration: for each candidate cut i (>= quantBins), the reference distribution is
 * hist[0..i) with the clipped tail added to its last bin; the candidate merges those i bins into `quantBins`
 * levels and expands them back uniformly over the non-empty bins. The cut minimising KL gives the threshold.
 */
export function entropyThreshold(hist: Float64Array, histMax: number, quantBins = 128): number {
  const bins = hist.length;
  if (quantBins < 2 || quantBins > bins) throw new SlimnetError('INVALID_ARGUMENT', `quantBins must be in [2, ${bins}], got ${quantBins}`);
  let last = bins - 1;
  while (last > 0 && hist[last] === 0) last--;
  if (last + 1 <= quantBins) return ((last + 1) * histMax) / bins;
  const suffix = new Float64Array(bins + 1);
  for (let i = bins - 1; i >= 0; i--) suffix[i] = (suffix[i + 1] as number) + (hist[i] as number);
  let bestKl = Infinity;
  let bestI = bins;
  const step = Math.max(1, Math.floor((last + 1 - quantBins) / 512));
  for (let i = quantBins; i <= last + 1; i += step) {
    const p = hist.slice(0, i);
    p[i - 1] = (p[i - 1] as number) + (suffix[i] as number);
    const q = new Float64Array(i);
    const per = i / quantBins;
    for (let j = 0; j < quantBins; j++) {
      const start = Math.floor(j * per);
      const end = j === quantBins - 1 ? i : Math.floor((j + 1) * per);
      let sum = 0;
      let nonzero = 0;
      for (let k = start; k < end; k++) {
        sum += hist[k] as number;
        if ((hist[k] as number) > 0) nonzero++;
      }
      if (nonzero === 0) continue;
      const v = sum / nonzero;
      for (let k = start; k < end; k++) if ((hist[k] as number) > 0) q[k] = v;
    }
    const kl = klDivergence(p, q);
    if (kl < bestKl) {
      bestKl = kl;
      bestI = i;
    }
  }
  return (Math.min(bestI, bins) * histMax) / bins;
}

export interface RangeOptions {
  readonly method: CalibrationMethod;
  /** Percentile for method 'percentile' (default 99.99). */
  readonly percentile?: number;
}

/** The quantization range [lo, hi] chosen for one tensor. */
export function chooseRange(stats: TensorStats, opts: RangeOptions): { readonly lo: number; readonly hi: number } {
  if (opts.method === 'minmax' || stats.hist === undefined || stats.histMax === undefined) return { lo: stats.min, hi: stats.max };
  const nonNegative = stats.min >= 0;
  const t = opts.method === 'percentile'
    ? percentileThreshold(stats.hist, stats.histMax, opts.percentile ?? 99.99)
    : entropyThreshold(stats.hist, stats.histMax, nonNegative ? 256 : 128);
  return { lo: Math.max(stats.min, -t), hi: Math.min(stats.max, t) };
}
