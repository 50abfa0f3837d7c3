/**
 * One-dimensional k-means (Lloyd's algorithm) for weight sharing (Han et al., Deep Compression).
 * Works on the sorted values: with sorted centroids every cluster is a contiguous run of the sorted
 * data (split at the midpoints between centroids), so an iteration is k binary searches plus prefix-sum
 * means — exact, and O(k log n) per iteration after the O(n log n) sort.
 * Exact zeros (pruned weights) are excluded: they are never clustered and get assignment -1.
 */
import { SlimnetError } from '../../../ir/errors.js';
import { Rng } from '../../../util/rng.js';

/** Centroid initialisation: evenly spaced in [min, max], CDF quantiles, or k random data points (Forgy). */
export type KmeansInit = 'linear' | 'density' | 'random';

export interface Kmeans1dOptions {
  /** Number of clusters (>= 1). */
  readonly k: number;
  /** Initialisation (default 'linear', the paper's best). */
  readonly init?: KmeansInit;
  /** Maximum Lloyd iterations (default 50); stops earlier once the centroids stop moving. */
  readonly iterations?: number;
  /** Seed for 'random' initialisation (default 0). */
  readonly seed?: number;
}

export interface Kmeans1dResult {
  /** k centroids, ascending, as float32 (the codebook). */
  readonly centroids: Float32Array;
  /** Cluster index per input value; -1 for exact zeros (excluded). */
  readonly assignment: Int32Array;
  /** Lloyd iterations run. */
  readonly iterations: number;
}

/** The nonzero values, sorted ascending, as float64. */
export function sortedNonzero(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) n++;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v !== 0) out[j++] = v;
  }
  return out.sort();
}

/** Initial centroids (ascending) for sorted data. */
export function initCentroids(sorted: Float64Array, k: number, init: KmeansInit, seed = 0): Float64Array {
  checkK(k);
  const c = new Float64Array(k);
  const n = sorted.length;
  if (n === 0) return c;
  const lo = sorted[0] as number;
  const hi = sorted[n - 1] as number;
  if (init === 'linear') {
    for (let i = 0; i < k; i++) c[i] = k === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * i) / (k - 1);
  } else if (init === 'density') {
    // Evenly spaced points on the CDF's y axis, mapped back through the empirical CDF (quantiles).
    for (let i = 0; i < k; i++) c[i] = quantile(sorted, (i + 0.5) / k);
  } else if (init === 'random') {
    const rng = new Rng(seed);
    if (n <= k) {
      for (let i = 0; i < k; i++) c[i] = sorted[i % n] as number;
    } else {
      // Partial Fisher-Yates over indices: k distinct data points.
      const idx = new Int32Array(n);
      for (let i = 0; i < n; i++) idx[i] = i;
      for (let i = 0; i < k; i++) {
        const j = i + rng.int(n - i);
        const t = idx[i] as number;
        idx[i] = idx[j] as number;
        idx[j] = t;
        c[i] = sorted[idx[i] as number] as number;
      }
    }
  } else {
    throw new SlimnetError('INVALID_ARGUMENT', `unknown k-means init '${String(init)}'; use linear, density or random`);
  }
  return c.sort();
}

function quantile(sorted: Float64Array, p: number): number {
  const pos = p * (sorted.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  const a = sorted[i] as number;
  const b = sorted[Math.min(sorted.length - 1, i + 1)] as number;
  return a + (b - a) * f;
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new SlimnetError('INVALID_ARGUMENT', `k-means needs an integer k >= 1, got ${k}`);
}

/** First index i with sorted[i] > x (binary search). */
function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Lloyd iterations on sorted data from ascending centroids (modified in place); returns iterations run. */
export function lloyd(sorted: Float64Array, centroids: Float64Array, maxIter: number): number {
  const n = sorted.length;
  const k = centroids.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = (prefix[i] as number) + (sorted[i] as number);
  let it = 0;
  while (it < maxIter) {
    it++;
    let moved = false;
    let start = 0;
    for (let j = 0; j < k; j++) {
      const end = j === k - 1 ? n : upperBound(sorted, ((centroids[j] as number) + (centroids[j + 1] as number)) / 2);
      if (end > start) {
        const mean = ((prefix[end] as number) - (prefix[start] as number)) / (end - start);
        if (mean !== centroids[j]) moved = true;
        centroids[j] = mean;
      }
      start = Math.max(start, end);
    }
    centroids.sort();
    if (!moved) break;
  }
  return it;
}

/** Index of the nearest centroid (ties to the lower one), centroids ascending. */
export function nearest(centroids: Float32Array | Float64Array, x: number): number {
  let lo = 0;
  let hi = centroids.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    // x belongs above mid when it is past the midpoint between mid and mid + 1.
    if (x > ((centroids[mid] as number) + (centroids[mid + 1] as number)) / 2) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Clusters the nonzero entries of `values` into k groups. */
export function kmeans1d(values: ArrayLike<number>, opts: Kmeans1dOptions): Kmeans1dResult {
  checkK(opts.k);
  const sorted = sortedNonzero(values);
  const c64 = initCentroids(sorted, opts.k, opts.init ?? 'linear', opts.seed ?? 0);
  const iterations = sorted.length === 0 ? 0 : lloyd(sorted, c64, opts.iterations ?? 50);
  const centroids = Float32Array.from(c64).sort();
  const assignment = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    assignment[i] = v === 0 ? -1 : nearest(centroids, v);
  }
  return { centroids, assignment, iterations };
}
