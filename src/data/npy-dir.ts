/**
 * A data set stored as NumPy arrays in one directory: x_train.npy, y_train.npy, x_test.npy, y_test.npy.
 * x arrays: [N, D] (feature vectors), [N, H, W] (grayscale images → [1,H,W]), or [N, C, H, W] /
 * [N, H, W, C] (colour images; channels-last is detected when the last dimension is 1, 3 or 4 and the
 * second is not, or forced with `layout`) — stored as N×C×H×W. uint8 x values are scaled by 1/255;
 * other dtypes are used as they are. y arrays: [N] integer class indices.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SlimnetError } from '../ir/errors.js';
import { assertFiniteValues } from './checks.js';
import { readNpyFile, type NpyArray } from './npy.js';
import { toLabels } from './normalize.js';
import type { RawSplit } from './types.js';

/** Memory layout of rank-4 image arrays. */
export type ImageLayout = 'auto' | 'nchw' | 'nhwc';

const FILES = ['x_train.npy', 'y_train.npy', 'x_test.npy', 'y_test.npy'] as const;

/** True when `dir` holds the four NPY files. */
export function isNpyDir(dir: string): boolean {
  return FILES.every((f) => existsSync(join(dir, f)));
}

/** Reads both splits of an NPY directory. */
export function readNpyDir(dir: string, layout: ImageLayout = 'auto'): { train: RawSplit; test: RawSplit } {
  const missing = FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new SlimnetError('DATASET_MISSING', `${dir}: NPY data set is missing ${missing.join(', ')}`);
  }
  return {
    train: npySplit(join(dir, 'x_train.npy'), join(dir, 'y_train.npy'), layout),
    test: npySplit(join(dir, 'x_test.npy'), join(dir, 'y_test.npy'), layout),
  };
}

/** Reads one x/y pair of .npy files into a raw split. */
export function npySplit(xPath: string, yPath: string, layout: ImageLayout = 'auto'): RawSplit {
  const x = readNpyFile(xPath);
  const y = readNpyFile(yPath);
  if (x.shape.length < 2 || x.shape.length > 4) {
    throw new SlimnetError('DATASET_INVALID', `${xPath}: expected 2 to 4 dimensions [N,...], got (${x.shape.join(', ')})`);
  }
  const count = x.shape[0] as number;
  if (y.shape.length !== 1 || y.shape[0] !== count) {
    throw new SlimnetError('DATASET_INVALID', `${yPath}: expected shape (${count},) to match ${xPath}, got (${y.shape.join(', ')})`);
  }
  // Float labels are accepted when they are whole numbers (toLabels checks).
  const labels = toLabels(y.data, yPath);
  assertFiniteValues(x.data instanceof BigInt64Array ? [] : x.data, count > 0 ? x.data.length / count : 0, xPath);
  const scale = x.dtype === 'u1' ? 1 / 255 : 1;
  const data = x.data instanceof BigInt64Array ? Float64Array.from(x.data, (v) => Number(v)) : x.data;
  const rest = x.shape.slice(1);
  if (rest.length === 1) return { data, labels, count, sampleShape: rest, scale };
  if (rest.length === 2) return { data, labels, count, sampleShape: [1, ...rest], scale };
  const [d1, d2, d3] = rest as [number, number, number];
  const channelsLast = layout === 'nhwc' || (layout === 'auto' && isChannelCount(d3) && !isChannelCount(d1));
  if (!channelsLast) return { data, labels, count, sampleShape: rest, scale };
  return { data: nhwcToNchw(x, count, d1, d2, d3), labels, count, sampleShape: [d3, d1, d2], scale };
}

function isChannelCount(d: number): boolean {
  return d === 1 || d === 3 || d === 4;
}

function nhwcToNchw(x: NpyArray, n: number, h: number, w: number, c: number): Float32Array | Float64Array | Uint8Array {
  const src = x.data;
  const out = src instanceof Float32Array ? new Float32Array(src.length)
    : src instanceof Uint8Array ? new Uint8Array(src.length) : new Float64Array(src.length);
  const hw = h * w;
  for (let s = 0; s < n; s++) {
    const base = s * hw * c;
    for (let p = 0; p < hw; p++) {
      for (let ch = 0; ch < c; ch++) out[base + ch * hw + p] = Number(src[base + p * c + ch]);
    }
  }
  return out;
}
