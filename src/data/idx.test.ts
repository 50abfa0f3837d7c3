import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isSlimnetError } from '../ir/errors.js';
import { encodeIdx, parseIdx, readIdxFile } from './idx.js';
import { loadDataset } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-idx-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('parses every IDX element type, big-endian', () => {
  const values = [0, 1, 2, 3, 100, 7];
  for (const code of [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e]) {
    const arr = parseIdx(encodeIdx([2, 3], values, code), `t${code}`);
    assert.equal(arr.typeCode, code);
    assert.deepEqual(arr.dims, [2, 3]);
    assert.deepEqual([...arr.data], values);
  }
  const neg = parseIdx(encodeIdx([2], [-3, 1.5], 0x0d));
  assert.deepEqual([...neg.data], [-3, 1.5]);
  const big = parseIdx(encodeIdx([1], [0x01020304], 0x0c));
  assert.equal(big.data[0], 0x01020304);
});

test('reads gzip-compressed IDX files', () => {
  const path = join(dir, 'x.idx.gz');
  writeFileSync(path, gzipSync(encodeIdx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])));
  const arr = readIdxFile(path);
  assert.deepEqual(arr.dims, [2, 2, 2]);
  assert.deepEqual([...arr.data], [1, 2, 3, 4, 5, 6, 7, 8]);
});

test('rejects wrong magic, unknown types, truncation and trailing data with DATASET_INVALID', () => {
  const good = encodeIdx([3, 2, 2], new Array(12).fill(5));
  const cases: [Uint8Array, RegExp][] = [
    [Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), /magic starts with 50 4b/],
    [Uint8Array.from([0, 0, 0x0a, 1, 0, 0, 0, 0]), /unknown element type code 0a/],
    [good.subarray(0, good.length - 1), /truncated/],
    [good.subarray(0, 10), /header declares 3 dimensions/],
    [Uint8Array.from([...good, 0]), /trailing data/],
    [Uint8Array.from([0x1f, 0x8b, 0, 1, 2]), /corrupt gzip/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(() => parseIdx(bytes, 'bad.idx'), (e: unknown) => {
      assert.ok(isSlimnetError(e, 'DATASET_INVALID'), String(e));
      assert.match(e.message, re);
      assert.match(e.message, /bad\.idx/);
      return true;
    });
  }
});

test('missing IDX file is DATASET_MISSING naming the path', () => {
  assert.throws(() => readIdxFile(join(dir, 'nope')), (e: unknown) => isSlimnetError(e, 'DATASET_MISSING') && /nope/.test(e.message));
});

test('loadDataset reads a directory of IDX files (mixed plain and gz) and normalises on train when asked', () => {
  const set = join(dir, 'set');
  const imgs = (n: number, base: number): number[] => Array.from({ length: n * 4 }, (_, i) => (base + i * 10) % 256);
  mkdirSync(set);
  writeFileSync(join(set, 'train-images-idx3-ubyte'), encodeIdx([3, 2, 2], imgs(3, 0)));
  writeFileSync(join(set, 'train-labels-idx1-ubyte.gz'), gzipSync(encodeIdx([3], [0, 2, 1])));
  writeFileSync(join(set, 't10k-images-idx3-ubyte.gz'), gzipSync(encodeIdx([2, 2, 2], imgs(2, 5))));
  writeFileSync(join(set, 't10k-labels-idx1-ubyte'), encodeIdx([2], [1, 1]));
  const ds = loadDataset(set, { normalize: true });
  assert.equal(ds.name, 'set');
  assert.equal(ds.numClasses, 3);
  assert.equal(ds.train.count, 3);
  assert.equal(ds.test.count, 2);
  assert.deepEqual(ds.train.sampleShape, [1, 2, 2]);
  assert.deepEqual([...ds.train.labels], [0, 2, 1]);
  let mean = 0;
  for (const v of ds.train.images) mean += v;
  assert.ok(Math.abs(mean / ds.train.images.length) < 1e-5, 'train mean ≈ 0 after normalisation');
  const raw = loadDataset(set, { normalize: false });
  assert.ok(Math.abs((raw.train.images[1] as number) - 10 / 255) < 1e-7);
  assert.equal(raw.normalization, undefined);
  assert.deepEqual(loadDataset(set).train.images, raw.train.images, 'no normalisation by default');
  // An IDX file path loads its directory.
  assert.equal(loadDataset(join(set, 'train-images-idx3-ubyte'), { limit: 1 }).train.count, 1);
  // A labels/images count mismatch names both files.
  writeFileSync(join(set, 't10k-labels-idx1-ubyte'), encodeIdx([3], [1, 1, 1]));
  assert.throws(() => loadDataset(set), /has 3 labels but .*t10k-images.* has 2 images/);
});
