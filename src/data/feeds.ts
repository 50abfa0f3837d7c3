/**
 * Data as feeds for a model's inputs (like onnxruntime's CalibrationDataReader): a FeedSet holds N samples for
 * every named input, and optional labels. Sources: a built-in / image Split (one input), or a directory of NumPy
 * files, one per model input: `<dir>/<inputName>.npy` with the sample axis first, plus an optional
 * `<dir>/labels.npy` of N class indices, and an optional `<dir>/feeds.json` declaring recurrent state. Values are
 * used exactly as stored — no scaling, no normalisation.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SlimnetError } from '../ir/errors.js';
import { Tensor } from '../ir/tensor.js';
import { assertFiniteValues } from './checks.js';
import { toLabels } from './normalize.js';
import { readNpyFile, type NpyArray } from './npy.js';
import type { FeedState, StatePair } from './state.js';
import type { Split } from './types.js';

/** The samples of one model input. */
export interface FeedInput {
  /** The model input's name. */
  readonly name: string;
  /** float32 for float data (f4/f8 files), int64 for integer ids (i4/i8 files), uint8 kept as float32. */
  readonly dtype: 'float32' | 'int64';
  /** N × sampleShape elements, row-major. */
  readonly data: Float32Array | BigInt64Array;
  /** Shape of one sample (the input's dims without the leading batch axis). */
  readonly sampleShape: readonly number[];
}

/** N samples for each of a model's inputs. */
export interface FeedSet {
  /** Where the samples came from (for messages). */
  readonly source: string;
  /** Samples N (every input has N). */
  readonly count: number;
  readonly inputs: readonly FeedInput[];
  /** N class indices, when the source has labels. */
  readonly labels?: Int32Array;
  /** Recurrent state: the samples are consecutive steps, some inputs fed from the model's previous outputs. */
  readonly state?: FeedState;
}

/** One batch: a tensor per input, and the labels of its samples when there are labels. */
export interface FeedBatch {
  /** Index of the first sample. */
  readonly start: number;
  /** Samples in this batch. */
  readonly count: number;
  readonly feeds: Record<string, Tensor>;
  readonly labels?: Int32Array;
}

const LABELS_FILE = 'labels.npy';
const MANIFEST_FILE = 'feeds.json';

/** True for a directory holding .npy files other than the x_train / y_train layout of an NPY data set. */
export function isFeedDir(dir: string): boolean {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return false;
  const npy = readdirSync(dir).filter((f) => f.endsWith('.npy'));
  return npy.length > 0 && !npy.includes('x_train.npy') && npy.some((f) => f !== LABELS_FILE);
}

function feedInput(name: string, a: NpyArray, file: string): FeedInput {
  if (a.shape.length < 1) throw new SlimnetError('DATASET_INVALID', `${file}: expected a sample axis first, got a scalar`);
  const count = a.shape[0] as number;
  const sampleShape = a.shape.slice(1);
  if (a.data instanceof BigInt64Array) return { name, dtype: 'int64', data: a.data, sampleShape };
  if (a.data instanceof Int32Array) {
    return { name, dtype: 'int64', data: BigInt64Array.from(a.data, (v) => BigInt(v)), sampleShape };
  }
  assertFiniteValues(a.data, count > 0 ? a.data.length / count : 0, file);
  return { name, dtype: 'float32', data: Float32Array.from(a.data), sampleShape };
}

/** Reads a feed directory: one `<input>.npy` per model input (sample axis first), optional `labels.npy`. */
export function readFeedDir(dir: string): FeedSet {
  if (!isFeedDir(dir)) {
    throw new SlimnetError('DATASET_MISSING', `${dir}: not a feed directory (expected <input name>.npy files)`);
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.npy') && f !== LABELS_FILE).sort();
  const inputs = files.map((f) => feedInput(basename(f, '.npy'), readNpyFile(join(dir, f)), join(dir, f)));
  const counts = inputs.map((x) => x.data.length / Math.max(1, x.sampleShape.reduce((a, b) => a * b, 1)));
  const count = counts[0] ?? 0;
  const odd = inputs.findIndex((_, i) => counts[i] !== count);
  if (odd >= 0) {
    throw new SlimnetError('DATASET_INVALID',
      `${dir}: ${files[odd]} has ${counts[odd]} samples but ${files[0]} has ${count}; every input needs the same N`);
  }
  if (count < 1) throw new SlimnetError('DATASET_INVALID', `${dir}: the feeds hold no samples`);
  const state = readManifest(join(dir, MANIFEST_FILE));
  const base = { source: dir, count, inputs, ...(state === undefined ? {} : { state }) };
  const labelsPath = join(dir, LABELS_FILE);
  if (!existsSync(labelsPath)) return base;
  const y = readNpyFile(labelsPath);
  if (y.shape.length !== 1 || y.shape[0] !== count) {
    throw new SlimnetError('DATASET_INVALID', `${labelsPath}: expected shape (${count},), got (${y.shape.join(', ')})`);
  }
  return { ...base, labels: toLabels(y.data, labelsPath) };
}

/** `feeds.json`: `{"state": [{"input": "h0", "output": "hn"}], "sequenceLength": 8}`, both keys optional. */
function readManifest(path: string): FeedState | undefined {
  if (!existsSync(path)) return undefined;
  const bad = (why: string): SlimnetError => new SlimnetError('DATASET_INVALID', `${path}: ${why}`);
  let j: unknown;
  try {
    j = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw bad(`not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw bad('expected a JSON object');
  const { state, sequenceLength, ...rest } = j as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw bad(`unknown key(s) ${unknown.join(', ')} (known: state, sequenceLength)`);
  if (sequenceLength !== undefined && !(Number.isInteger(sequenceLength) && (sequenceLength as number) >= 1)) {
    throw bad(`sequenceLength must be a positive integer, got ${JSON.stringify(sequenceLength)}`);
  }
  const isPair = (p: unknown): p is StatePair => typeof p === 'object' && p !== null
    && typeof (p as StatePair).input === 'string' && typeof (p as StatePair).output === 'string';
  if (state !== undefined && !(Array.isArray(state) && state.every(isPair))) {
    throw bad('state must be a list of {"input": NAME, "output": NAME} pairs');
  }
  return {
    ...(state === undefined ? {} : { pairs: state.map((p: StatePair) => ({ input: p.input, output: p.output })) }),
    ...(sequenceLength === undefined ? {} : { sequenceLength: sequenceLength as number }),
  };
}

/** A Split (images and labels) as feeds of the model input `inputName`. */
export function splitFeeds(split: Split, inputName: string, source = 'data set'): FeedSet {
  return {
    source, count: split.count, labels: split.labels,
    inputs: [{ name: inputName, dtype: 'float32', data: split.images, sampleShape: split.sampleShape }],
  };
}

function slice(x: FeedInput, start: number, n: number): Tensor {
  const per = x.sampleShape.reduce((a, b) => a * b, 1);
  const data = x.data.subarray(start * per, (start + n) * per);
  return new Tensor(x.dtype, [n, ...x.sampleShape], data);
}

/** Consecutive batches of at most `batchSize` samples (the first `limit` samples when given). */
export function* feedBatches(f: FeedSet, batchSize: number, limit = f.count): Generator<FeedBatch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new SlimnetError('INVALID_ARGUMENT', `batch size must be a positive integer, got ${batchSize}`);
  }
  const total = Math.min(limit, f.count);
  for (let start = 0; start < total; start += batchSize) {
    const n = Math.min(batchSize, total - start);
    const feeds = Object.fromEntries(f.inputs.map((x) => [x.name, slice(x, start, n)]));
    const labels = f.labels?.subarray(start, start + n);
    yield { start, count: n, feeds, ...(labels === undefined ? {} : { labels }) };
  }
}
