import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSlimnetError } from '../ir/errors.js';
import { loadDataset } from './load.js';
import { encodeNpy, parseNpy, type NpyDType } from './npy.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-npy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Builds a .npy by hand with the given raw header text and version. */
function rawNpy(header: string, data: Uint8Array, major = 1): Uint8Array {
  const h = new TextEncoder().encode(header);
  const pre = major === 1 ? 10 : 12;
  const out = new Uint8Array(pre + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const v = new DataView(out.buffer);
  if (major === 1) v.setUint16(8, h.length, true);
  else v.setUint32(8, h.length, true);
  out.set(h, pre);
  out.set(data, pre + h.length);
  return out;
}

test('round-trips every supported dtype', () => {
  const values = [0, 1, 2, 100, 7, 3];
  for (const dtype of ['f4', 'f8', 'u1', 'i1', 'i4', 'i8'] as NpyDType[]) {
    const arr = parseNpy(encodeNpy(dtype, [3, 2], values));
    assert.equal(arr.dtype, dtype);
    assert.deepEqual(arr.shape, [3, 2]);
    assert.deepEqual([...arr.data].map(Number), values);
  }
  assert.deepEqual(parseNpy(encodeNpy('f4', [2], [-1.5, 2.25])).data, Float32Array.from([-1.5, 2.25]));
});

test('reads version 2 and 3 headers and unaligned data', () => {
  const data = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
  const v2 = parseNpy(rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", data, 2));
  assert.deepEqual([...v2.data], [1, 2, 3]);
  const v3 = parseNpy(rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), } \n", data, 3));
  assert.deepEqual([...v3.data], [1, 2, 3]);
  const scalarShape = parseNpy(rawNpy("{'descr': '|u1', 'fortran_order': False, 'shape': (), }\n", Uint8Array.from([9])));
  assert.deepEqual(scalarShape.shape, []);
});

test('rejects Fortran order, big-endian, unsupported dtypes and truncation clearly', () => {
  const d4 = new Uint8Array(8);
  const cases: [Uint8Array, RegExp][] = [
    [rawNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }\n", d4), /Fortran-order .* C order/],
    [rawNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }\n", d4), /unsupported dtype '>f4'/],
    [rawNpy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }\n", d4), /unsupported dtype '<c8'/],
    [rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", d4), /needs 12 data bytes .* 8 \(truncated/],
    [Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), /magic/],
    [rawNpy('{}', d4, 9), /version 9/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(() => parseNpy(bytes, 'a.npy'), (e: unknown) => isSlimnetError(e, 'DATASET_INVALID') && re.test(e.message) && /a\.npy/.test(e.message));
  }
});

test('loadDataset reads an NPY directory, converting channels-last images to NCHW', () => {
  const set = join(dir, 'nhwc');
  mkdirSync(set);
  // 2 train images 2×2×3 (HWC): pixel p, channel c has value 10*c + p.
  const hwc = (n: number): number[] => {
    const out: number[] = [];
    for (let s = 0; s < n; s++) for (let p = 0; p < 4; p++) for (let c = 0; c < 3; c++) out.push(10 * c + p + s);
    return out;
  };
  writeFileSync(join(set, 'x_train.npy'), encodeNpy('u1', [2, 2, 2, 3], hwc(2)));
  writeFileSync(join(set, 'y_train.npy'), encodeNpy('i8', [2], [0, 1]));
  writeFileSync(join(set, 'x_test.npy'), encodeNpy('u1', [1, 2, 2, 3], hwc(1)));
  writeFileSync(join(set, 'y_test.npy'), encodeNpy('i4', [1], [1]));
  const ds = loadDataset(set, { normalize: false });
  assert.deepEqual(ds.train.sampleShape, [3, 2, 2]);
  assert.equal(ds.numClasses, 2);
  const back = [...ds.train.images.subarray(0, 12)].map((v) => Math.round(v * 255));
  assert.deepEqual(back, [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);
  // No normalisation unless asked for, and the data set says so.
  const plain = loadDataset(set);
  assert.equal(plain.normalization, undefined);
  assert.equal(plain.preprocessing, 'x · 1/255, no normalisation');
  assert.deepEqual(plain.train.images, ds.train.images);
  // Asked for: normalised per channel, each channel of the training split has mean 0.
  const norm = loadDataset(set, { normalize: true });
  assert.match(norm.preprocessing ?? '', /^x · 1\/255, then \(x − mean\) \/ std per channel, mean \[[\d., ]+\], std/);
  assert.equal(norm.normalization?.mean.length, 3);
  for (let c = 0; c < 3; c++) {
    let m = 0;
    for (let s = 0; s < 2; s++) for (let p = 0; p < 4; p++) m += norm.train.images[s * 12 + c * 4 + p] as number;
    assert.ok(Math.abs(m) < 1e-5, `channel ${c} mean ${m}`);
  }
});

test('NPY feature vectors and label validation', () => {
  const set = join(dir, 'vec');
  mkdirSync(set);
  writeFileSync(join(set, 'x_train.npy'), encodeNpy('f4', [3, 4], new Array(12).fill(0).map((_, i) => i)));
  writeFileSync(join(set, 'y_train.npy'), encodeNpy('f8', [3], [0, 1, 2]));
  writeFileSync(join(set, 'x_test.npy'), encodeNpy('f4', [1, 4], [1, 2, 3, 4]));
  writeFileSync(join(set, 'y_test.npy'), encodeNpy('i4', [1], [2]));
  const ds = loadDataset(join(set, 'x_train.npy'), { normalize: false });
  assert.deepEqual(ds.train.sampleShape, [4]);
  assert.equal(ds.numClasses, 3);
  assert.equal(ds.train.images[5], 5);
  writeFileSync(join(set, 'y_test.npy'), encodeNpy('f8', [1], [0.5]));
  assert.throws(() => loadDataset(set), /y_test\.npy: label at index 0 is 0\.5/);
  writeFileSync(join(set, 'y_test.npy'), encodeNpy('i4', [2], [0, 1]));
  assert.throws(() => loadDataset(set), /expected shape \(1,\)/);
});

test('a validation split is held out of the training split before its statistics are computed', () => {
  const set = join(dir, 'held-out');
  mkdirSync(set);
  // Three training vectors of 2s, one of 10s; the test split is never read into the result.
  writeFileSync(join(set, 'x_train.npy'), encodeNpy('f4', [4, 2], [2, 2, 2, 2, 2, 2, 10, 10]));
  writeFileSync(join(set, 'y_train.npy'), encodeNpy('i4', [4], [0, 1, 0, 1]));
  writeFileSync(join(set, 'x_test.npy'), encodeNpy('f4', [1, 2], [7, 7]));
  writeFileSync(join(set, 'y_test.npy'), encodeNpy('i4', [1], [1]));
  const ds = loadDataset(set, { validation: 1, normalize: true });
  assert.equal(ds.train.count, 3);
  assert.equal(ds.validationOf, 4);
  assert.deepEqual(ds.normalization, { mean: [2], std: [1] }, 'mean and std of the three kept samples only');
  assert.deepEqual([...ds.test.images], [8, 8]);
  assert.deepEqual([...ds.test.labels], [1]);
});
