/**
 * A data set stored as four IDX files in one directory, named like MNIST's:
 * `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`
 * (also `test-` instead of `t10k-`, `.` instead of the last `-`, and an optional `.gz` suffix).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SlimnetError } from '../ir/errors.js';
import { assertFiniteValues } from './checks.js';
import { readIdxFile } from './idx.js';
import { toLabels } from './normalize.js';
import type { RawSplit } from './types.js';

/** Paths of the four files of an IDX data set. */
export interface IdxSetFiles {
  readonly trainImages: string;
  readonly trainLabels: string;
  readonly testImages: string;
  readonly testLabels: string;
}

const PATTERNS: Readonly<Record<keyof IdxSetFiles, RegExp>> = {
  trainImages: /^train-images[-.]idx\d-ubyte(\.gz)?$/,
  trainLabels: /^train-labels[-.]idx1-ubyte(\.gz)?$/,
  testImages: /^(t10k|test)-images[-.]idx\d-ubyte(\.gz)?$/,
  testLabels: /^(t10k|test)-labels[-.]idx1-ubyte(\.gz)?$/,
};

/** Finds the four IDX files in `dir` (plain preferred over .gz); undefined when any is missing. */
export function findIdxSet(dir: string): IdxSetFiles | undefined {
  if (!existsSync(dir)) return undefined;
  let names: string[];
  try {
    names = readdirSync(dir).sort((a, b) => a.length - b.length || a.localeCompare(b));
  } catch {
    return undefined;
  }
  const found: Partial<Record<keyof IdxSetFiles, string>> = {};
  for (const key of Object.keys(PATTERNS) as (keyof IdxSetFiles)[]) {
    const name = names.find((n) => PATTERNS[key].test(n));
    if (name === undefined) return undefined;
    found[key] = join(dir, name);
  }
  return found as IdxSetFiles;
}

/** Like findIdxSet but throws DATASET_MISSING listing what was expected. */
export function requireIdxSet(dir: string, what: string, hint = ''): IdxSetFiles {
  const files = findIdxSet(dir);
  if (files === undefined) {
    throw new SlimnetError(
      'DATASET_MISSING',
      `${what} not found at ${dir} (expected train-images-idx3-ubyte, train-labels-idx1-ubyte, ` +
        `t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, optionally .gz)${hint}`,
    );
  }
  return files;
}

/** Reads an images + labels IDX pair into a raw split. Images [N,H,W] become samples [1,H,W]. */
export function readIdxSplit(imagesPath: string, labelsPath: string): RawSplit {
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  if (labels.dims.length !== 1) {
    throw new SlimnetError('DATASET_INVALID', `${labelsPath}: labels must be 1-D, got dimensions [${labels.dims.join(',')}]`);
  }
  const count = images.dims[0] as number;
  if (labels.dims[0] !== count) {
    throw new SlimnetError(
      'DATASET_INVALID',
      `${labelsPath} has ${labels.dims[0]} labels but ${imagesPath} has ${count} images`,
    );
  }
  const rest = images.dims.slice(1);
  const sampleShape = rest.length === 2 ? [1, ...rest] : rest.length === 0 ? [1] : rest;
  assertFiniteValues(images.data, sampleShape.reduce((a, b) => a * b, 1), imagesPath);
  return {
    data: images.data,
    labels: toLabels(labels.data, labelsPath),
    count,
    sampleShape,
    scale: images.typeCode === 0x08 ? 1 / 255 : 1,
  };
}

/** Reads both splits of an IDX set. */
export function readIdxSet(files: IdxSetFiles): { train: RawSplit; test: RawSplit } {
  return {
    train: readIdxSplit(files.trainImages, files.trainLabels),
    test: readIdxSplit(files.testImages, files.testLabels),
  };
}
