import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSlimnetError } from '../ir/errors.js';
import { assertLabelsFitModel } from './checks.js';
import { encodeIdx } from './idx.js';
import { loadDataset } from './load.js';
import { encodeNpy } from './npy.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-data-checks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An NPY set of [n, 3] float64 features (test split: n / 2) with `bad` written at flat index `at` of x_train. */
function npySet(name: string, n: number, bad?: { at: number; value: number }): string {
  const path = join(dir, name);
  mkdirSync(path);
  for (const [split, count] of [['train', n], ['test', Math.floor(n / 2)]] as const) {
    const x = Float64Array.from({ length: count * 3 }, (_, i) => i / 10);
    if (bad !== undefined && split === 'train') x[bad.at] = bad.value;
    writeFileSync(join(path, `x_${split}.npy`), encodeNpy('f8', [count, 3], x));
    const y = Int32Array.from({ length: count }, (_, i) => i % 3);
    writeFileSync(join(path, `y_${split}.npy`), encodeNpy('i4', [count], y));
  }
  return path;
}

const invalid = (pattern: RegExp) => (e: unknown): boolean =>
  isSlimnetError(e, 'DATASET_INVALID') && pattern.test(e.message);

test('NaN / Inf sample values are DATASET_INVALID naming the file, the sample and the element', () => {
  const nan = npySet('nan', 4, { at: 7, value: NaN });
  assert.throws(() => loadDataset(nan), invalid(/x_train\.npy: sample 2 element 1 is NaN/));
  const inf = npySet('inf', 4, { at: 0, value: -Infinity });
  assert.throws(() => loadDataset(inf), invalid(/x_train\.npy: sample 0 element 0 is -Infinity/));
  // finite as float64 but not as float32: caught after conversion
  const huge = npySet('huge', 4, { at: 2, value: 1e300 });
  assert.throws(() => loadDataset(huge, { normalize: false }), invalid(/huge \(train\) after normalisation/));
  assert.equal(loadDataset(npySet('fine', 4)).train.count, 4);
});

test('float IDX images with a NaN are refused naming the IDX file', () => {
  const path = join(dir, 'idx');
  mkdirSync(path);
  const images = (n: number, nan: boolean): Uint8Array =>
    encodeIdx([n, 2, 2], Float32Array.from({ length: n * 4 }, (_, i) => (nan && i === 5 ? NaN : i)), 0x0d);
  writeFileSync(join(path, 'train-images-idx3-ubyte'), images(3, true));
  writeFileSync(join(path, 'train-labels-idx1-ubyte'), encodeIdx([3], [0, 1, 0]));
  writeFileSync(join(path, 't10k-images-idx3-ubyte'), images(2, false));
  writeFileSync(join(path, 't10k-labels-idx1-ubyte'), encodeIdx([2], [1, 0]));
  assert.throws(() => loadDataset(path), invalid(/train-images-idx3-ubyte: sample 1 element 1 is NaN/));
});

test('empty splits and limits below one are refused', () => {
  assert.throws(() => loadDataset(npySet('empty', 0)), invalid(/empty \(train\) has no samples/));
  assert.throws(() => loadDataset(npySet('one', 1)), invalid(/one \(test\) has no samples/));
  const two = npySet('two', 4);
  for (const opts of [{ limit: 0 }, { testLimit: 0 }, { limit: 1.5 }]) {
    const refused = (e: unknown): boolean =>
      isSlimnetError(e, 'INVALID_ARGUMENT') && /must be an integer >= 1/.test(e.message);
    assert.throws(() => loadDataset(two, opts), refused);
  }
});

test("assertLabelsFitModel refuses labels that are not a class of the model's output", () => {
  const data = loadDataset(npySet('three-classes', 6));
  assert.doesNotThrow(() => assertLabelsFitModel(data, 3, 'model m'));
  assert.throws(() => assertLabelsFitModel(data, 2, "model 'm.onnx'", "data set 'x'"),
    invalid(/data set 'x' \(train\): label 2 of sample 2 is not a class of model 'm\.onnx', which has 2 outputs/));
});
