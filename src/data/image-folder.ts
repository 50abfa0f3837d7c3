/**
 * Folders of PNG / JPEG images, one subfolder per class (class index = position in the sorted folder names).
 *
 * Layouts:
 *  - `root/train/<class>/*.png|jpg` and `root/test/<class>/*` — the split is taken as given;
 *  - `root/<class>/*` — a seeded, per-class (stratified) split: each class's files are sorted by name,
 *    shuffled with `Rng(seed)`, and the first round(testFraction × n) go to the test split.
 *
 * All images must have the same width and height (no resizing; the error names the first mismatch).
 * Channels: 1 when every image is grayscale (R = G = B), else 3 (RGB; alpha is dropped); or forced with
 * `channels`. Pixels are stored as bytes, N×C×H×W, scale 1/255.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { SlimnetError } from '../ir/errors.js';
import { Rng } from '../util/rng.js';
import type { RawSplit } from './types.js';

/** Options of `readImageFolder`: test fraction and seed of the single-root split, channel count. */
export interface ImageFolderOptions {
  /** Fraction of each class held out for testing in the single-root layout (default 0.2). */
  readonly testFraction?: number;
  /** Seed of the single-root split (default 0). */
  readonly seed?: number;
  /** Force 1 (grayscale, mean of R, G, B) or 3 (RGB) channels; default: 1 if every image is gray, else 3. */
  readonly channels?: 1 | 3;
}

interface Decoded {
  readonly file: string;
  readonly width: number;
  readonly height: number;
  /** RGBA bytes. */
  readonly rgba: Uint8Array;
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

/** True when `dir` looks like an image folder (class subfolders with images, or train/ + test/ of them). */
export function isImageFolder(dir: string): boolean {
  const classes = subdirs(dir);
  if (classes.includes('train') && classes.includes('test')) return isImageFolder(join(dir, 'train'));
  return classes.some((c) => imageFiles(join(dir, c)).length > 0);
}

/** Reads an image folder into raw train/test splits plus the class names. */
export function readImageFolder(root: string, opts: ImageFolderOptions = {}): {
  train: RawSplit;
  test: RawSplit;
  classNames: readonly string[];
} {
  const top = subdirs(root);
  let trainFiles: [string, number][];
  let testFiles: [string, number][];
  let classNames: string[];
  if (top.includes('train') && top.includes('test')) {
    classNames = subdirs(join(root, 'train'));
    const testClasses = subdirs(join(root, 'test'));
    const unknown = testClasses.filter((c) => !classNames.includes(c));
    if (unknown.length > 0) {
      throw new SlimnetError('DATASET_INVALID', `${join(root, 'test')}: classes ${unknown.join(', ')} have no folder in ${join(root, 'train')}`);
    }
    trainFiles = listClassFiles(join(root, 'train'), classNames);
    testFiles = listClassFiles(join(root, 'test'), classNames);
  } else {
    classNames = top;
    const fraction = opts.testFraction ?? 0.2;
    if (!(fraction >= 0 && fraction < 1)) {
      throw new SlimnetError('INVALID_ARGUMENT', `testFraction must be in [0, 1), got ${fraction}`);
    }
    const rng = new Rng(opts.seed ?? 0);
    trainFiles = [];
    testFiles = [];
    classNames.forEach((c, label) => {
      const files = imageFiles(join(root, c));
      const order = rng.permutation(files.length);
      const nTest = Math.round(fraction * files.length);
      order.forEach((fi, k) => (k < nTest ? testFiles : trainFiles).push([files[fi] as string, label]));
    });
  }
  if (trainFiles.length === 0) {
    throw new SlimnetError('DATASET_INVALID', `${root}: no .png/.jpg/.jpeg images found in class folders`);
  }
  const trainImgs = trainFiles.map(([f]) => decodeImage(f));
  const testImgs = testFiles.map(([f]) => decodeImage(f));
  const first = trainImgs[0] as Decoded;
  for (const img of [...trainImgs, ...testImgs]) {
    if (img.width !== first.width || img.height !== first.height) {
      throw new SlimnetError(
        'DATASET_INVALID',
        `${img.file} is ${img.width}×${img.height} but ${first.file} is ${first.width}×${first.height}; ` +
          'all images must have the same size (resize them first)',
      );
    }
  }
  const channels = opts.channels ?? ([...trainImgs, ...testImgs].every(isGray) ? 1 : 3);
  const pack = (imgs: Decoded[], files: [string, number][]): RawSplit =>
    packSplit(imgs, Int32Array.from(files, ([, l]) => l), channels, first.height, first.width);
  return { train: pack(trainImgs, trainFiles), test: pack(testImgs, testFiles), classNames };
}

/** Decodes one PNG or JPEG file to 8-bit RGBA. */
export function decodeImage(file: string): Decoded {
  const bytes = readFileSync(file);
  try {
    if (bytes[0] === 0x89 && bytes[1] === 0x50) {
      const png = PNG.sync.read(bytes);
      return { file, width: png.width, height: png.height, rgba: new Uint8Array(png.data) };
    }
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
      return { file, width: img.width, height: img.height, rgba: img.data };
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new SlimnetError('DATASET_INVALID', `${file}: cannot decode image (${msg})`, { cause: e });
  }
  throw new SlimnetError('DATASET_INVALID', `${file}: not a PNG or JPEG file`);
}

function isGray(img: Decoded): boolean {
  const p = img.rgba;
  for (let i = 0; i < p.length; i += 4) if (p[i] !== p[i + 1] || p[i] !== p[i + 2]) return false;
  return true;
}

function packSplit(imgs: Decoded[], labels: Int32Array, channels: number, h: number, w: number): RawSplit {
  const hw = h * w;
  const data = new Uint8Array(imgs.length * channels * hw);
  imgs.forEach((img, s) => {
    const p = img.rgba;
    const base = s * channels * hw;
    for (let i = 0; i < hw; i++) {
      const r = p[4 * i] as number;
      const g = p[4 * i + 1] as number;
      const b = p[4 * i + 2] as number;
      if (channels === 1) {
        data[base + i] = Math.round((r + g + b) / 3);
      } else {
        data[base + i] = r;
        data[base + hw + i] = g;
        data[base + 2 * hw + i] = b;
      }
    }
  });
  return { data, labels, count: imgs.length, sampleShape: [channels, h, w], scale: 1 / 255 };
}

function listClassFiles(dir: string, classNames: readonly string[]): [string, number][] {
  const out: [string, number][] = [];
  classNames.forEach((c, label) => {
    for (const f of imageFiles(join(dir, c))) out.push([f, label]);
  });
  return out;
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => !n.startsWith('.') && statSync(join(dir, n)).isDirectory()).sort();
  } catch {
    return [];
  }
}

function imageFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => IMAGE_EXT.has(extname(n).toLowerCase())).sort().map((n) => join(dir, n));
  } catch {
    return [];
  }
}
