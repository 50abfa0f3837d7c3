/**
 * Mini-batches over a Split. Order is either sequential or a seeded shuffle; `epochBatches` derives each
 * epoch's order from (seed, epoch) only, so epoch e is reproducible without replaying epochs 0..e−1.
 *
 * Buffer reuse: without shuffling, `x` and `y` are zero-copy views into the split (never write to them).
 * With shuffling and `reuseBuffers` (default true), one x/y buffer pair is gathered into and yielded again
 * on every step, so a batch's contents are only valid until the generator is resumed — this is safe for
 * the usual `for (const b of batches(...)) await session.run(...)` loop; pass `reuseBuffers: false` (or
 * copy with `x.slice()`) to keep batches beyond that.
 */
import { SlimnetError } from '../ir/errors.js';
import { Rng } from '../util/rng.js';
import type { Split } from './types.js';
import { sampleSize } from './types.js';

/** Options of `batches` / `epochBatches`: batch size, seeded shuffle, last-batch handling. */
export interface BatchOptions {
  /** Samples per batch (positive integer). */
  readonly batchSize: number;
  /** Visit samples in a seeded random order (default false: 0..N−1). */
  readonly shuffle?: boolean;
  /** Seed of the shuffle (default 0). */
  readonly seed?: number;
  /** Skip the last batch when it has fewer than batchSize samples (default false). */
  readonly dropLast?: boolean;
  /** Reuse one gather buffer across shuffled batches (default true; see the module comment). */
  readonly reuseBuffers?: boolean;
}

/** One mini-batch: samples gathered into one float32 buffer, their labels, and the dims to feed. */
export interface Batch {
  /** size × sampleShape float32 values. */
  readonly x: Float32Array;
  /** size labels. */
  readonly y: Int32Array;
  /** Samples in this batch (batchSize except possibly the last). */
  readonly size: number;
  /** [size, ...sampleShape]: the tensor dims to feed. */
  readonly dims: number[];
  /** Index of this batch within the epoch. */
  readonly index: number;
}

/** Number of batches an epoch yields. */
export function batchCount(count: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}

/** Sample order of epoch `epoch` for a shuffled run seeded with `seed` (depends only on both). */
export function epochOrder(count: number, seed: number, epoch: number): Int32Array {
  return new Rng(mixSeed(seed, epoch)).permutation(count);
}

/** Batches of one pass over `split` (shuffled as epoch 0 when `shuffle` is set). */
export function batches(split: Split, opts: BatchOptions): Generator<Batch> {
  return epochBatches(split, 0, opts);
}

/** Batches of epoch `epoch`; with `shuffle`, the order depends only on (seed, epoch). */
export function* epochBatches(split: Split, epoch: number, opts: BatchOptions): Generator<Batch> {
  const { batchSize } = opts;
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new SlimnetError('INVALID_ARGUMENT', `batchSize must be a positive integer, got ${batchSize}`);
  }
  const per = sampleSize(split.sampleShape);
  const n = batchCount(split.count, batchSize, opts.dropLast ?? false);
  if (opts.shuffle !== true) {
    for (let b = 0; b < n; b++) {
      const start = b * batchSize;
      const size = Math.min(batchSize, split.count - start);
      yield {
        x: split.images.subarray(start * per, (start + size) * per),
        y: split.labels.subarray(start, start + size),
        size,
        dims: [size, ...split.sampleShape],
        index: b,
      };
    }
    return;
  }
  const order = epochOrder(split.count, opts.seed ?? 0, epoch);
  const reuse = opts.reuseBuffers ?? true;
  let xBuf = new Float32Array(batchSize * per);
  let yBuf = new Int32Array(batchSize);
  for (let b = 0; b < n; b++) {
    if (!reuse && b > 0) {
      xBuf = new Float32Array(batchSize * per);
      yBuf = new Int32Array(batchSize);
    }
    const start = b * batchSize;
    const size = Math.min(batchSize, split.count - start);
    for (let i = 0; i < size; i++) {
      const s = order[start + i] as number;
      xBuf.set(split.images.subarray(s * per, (s + 1) * per), i * per);
      yBuf[i] = split.labels[s] as number;
    }
    yield {
      x: size === batchSize ? xBuf : xBuf.subarray(0, size * per),
      y: size === batchSize ? yBuf : yBuf.subarray(0, size),
      size,
      dims: [size, ...split.sampleShape],
      index: b,
    };
  }
}

/** Combines a seed and an epoch number into a well-mixed 32-bit seed. */
export function mixSeed(seed: number, epoch: number): number {
  let h = (seed >>> 0) ^ Math.imul((epoch >>> 0) + 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}
