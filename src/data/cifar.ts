/**
 * CIFAR-10 / CIFAR-100 "binary version" files. CIFAR-10: data_batch_1..5.bin + test_batch.bin, records of
 * 1 label byte + 3072 pixel bytes (3×32×32, channel-major). CIFAR-100: train.bin + test.bin, records of
 * 1 coarse + 1 fine label byte + 3072 pixel bytes. The directory may also be the parent of the archive's
 * folder (cifar-10-batches-bin / cifar-100-binary). Class names come from batches.meta.txt or
 * fine_label_names.txt / coarse_label_names.txt when present.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SlimnetError } from '../ir/errors.js';
import type { RawSplit } from './types.js';

const PIXELS = 3 * 32 * 32;

/** Which CIFAR-100 label to use. */
export type CifarLabelKind = 'fine' | 'coarse';

/** A located CIFAR directory. */
export interface CifarFiles {
  readonly kind: 'cifar10' | 'cifar100';
  readonly dir: string;
  readonly train: readonly string[];
  readonly test: string;
}

/** Finds CIFAR binary files in `dir` or one of its immediate subdirectories. */
export function findCifar(dir: string): CifarFiles | undefined {
  const direct = findIn(dir);
  if (direct !== undefined) return direct;
  let subs: string[] = [];
  try {
    subs = readdirSync(dir).filter((n) => isDir(join(dir, n))).sort();
  } catch {
    return undefined;
  }
  for (const s of subs) {
    const f = findIn(join(dir, s));
    if (f !== undefined) return f;
  }
  return undefined;
}

function findIn(dir: string): CifarFiles | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const batches = names.filter((n) => /^data_batch_\d+\.bin$/.test(n))
    .sort((a, b) => batchNo(a) - batchNo(b)).map((n) => join(dir, n));
  if (batches.length > 0 && names.includes('test_batch.bin')) {
    return { kind: 'cifar10', dir, train: batches, test: join(dir, 'test_batch.bin') };
  }
  if (names.includes('train.bin') && names.includes('test.bin')) {
    return { kind: 'cifar100', dir, train: [join(dir, 'train.bin')], test: join(dir, 'test.bin') };
  }
  return undefined;
}

function batchNo(name: string): number {
  return Number(/(\d+)/.exec(name)?.[1] ?? 0);
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Reads records from CIFAR binary files into one raw split (3×32×32 uint8 images). */
export function readCifarFiles(paths: readonly string[], kind: 'cifar10' | 'cifar100', labelKind: CifarLabelKind = 'fine'): RawSplit {
  const labelBytes = kind === 'cifar10' ? 1 : 2;
  const record = labelBytes + PIXELS;
  const chunks = paths.map((p) => {
    const bytes = readFileSync(p);
    if (bytes.length === 0 || bytes.length % record !== 0) {
      throw new SlimnetError(
        'DATASET_INVALID',
        `${p}: ${bytes.length} bytes is not a whole number of ${kind === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} records of ${record} bytes`,
      );
    }
    return bytes;
  });
  const count = chunks.reduce((a, c) => a + c.length / record, 0);
  const data = new Uint8Array(count * PIXELS);
  const labels = new Int32Array(count);
  const labelOffset = kind === 'cifar100' && labelKind === 'fine' ? 1 : 0;
  let i = 0;
  for (const bytes of chunks) {
    for (let off = 0; off < bytes.length; off += record, i++) {
      labels[i] = bytes[off + labelOffset] as number;
      data.set(bytes.subarray(off + labelBytes, off + record), i * PIXELS);
    }
  }
  return { data, labels, count, sampleShape: [3, 32, 32], scale: 1 / 255 };
}

/** Reads a CIFAR data set: both splits, the class count and class names when available. */
export function readCifar(files: CifarFiles, labelKind: CifarLabelKind = 'fine'): {
  train: RawSplit;
  test: RawSplit;
  numClasses: number;
  classNames: readonly string[] | undefined;
} {
  const train = readCifarFiles(files.train, files.kind, labelKind);
  const test = readCifarFiles([files.test], files.kind, labelKind);
  const numClasses = files.kind === 'cifar10' ? 10 : labelKind === 'fine' ? 100 : 20;
  const namesFile = files.kind === 'cifar10' ? 'batches.meta.txt' : `${labelKind}_label_names.txt`;
  const namesPath = join(files.dir, namesFile);
  let classNames: string[] | undefined;
  if (existsSync(namesPath)) {
    const names = readFileSync(namesPath, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
    if (names.length === numClasses) classNames = names;
  }
  return { train, test, numClasses, classNames };
}
