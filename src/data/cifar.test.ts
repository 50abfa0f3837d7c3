import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSlimnetError } from '../ir/errors.js';
import { loadDataset } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-cifar-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Records: label bytes then 3072 pixels where pixel i of record r is (r + i) % 256. */
function records(labels: readonly (readonly number[])[]): Uint8Array {
  const rec = labels[0]?.length ?? 1;
  const out = new Uint8Array(labels.length * (rec + 3072));
  labels.forEach((ls, r) => {
    const off = r * (rec + 3072);
    out.set(ls, off);
    for (let i = 0; i < 3072; i++) out[off + rec + i] = (r + i) % 256;
  });
  return out;
}

test('CIFAR-10 binary batches in a cifar-10-batches-bin subfolder', () => {
  const root = join(dir, 'c10');
  const sub = join(root, 'cifar-10-batches-bin');
  mkdirSync(sub, { recursive: true });
  writeFileSync(join(sub, 'data_batch_1.bin'), records([[3], [9]]));
  writeFileSync(join(sub, 'data_batch_2.bin'), records([[0]]));
  writeFileSync(join(sub, 'test_batch.bin'), records([[5]]));
  writeFileSync(join(sub, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n');
  const ds = loadDataset(root, { normalize: false });
  assert.equal(ds.numClasses, 10);
  assert.equal(ds.classNames?.[3], 'cat');
  assert.deepEqual(ds.train.sampleShape, [3, 32, 32]);
  assert.deepEqual([...ds.train.labels], [3, 9, 0]);
  assert.equal(ds.train.count, 3);
  // Second record of batch 1: first pixel value 1; batch 2's record: pixel 5 = 5.
  assert.equal(Math.round((ds.train.images[3072] as number) * 255), 1);
  assert.equal(Math.round((ds.train.images[2 * 3072 + 5] as number) * 255), 5);
  assert.equal(ds.test.count, 1);
});

test('CIFAR-100 fine and coarse labels', () => {
  const root = join(dir, 'c100');
  mkdirSync(root);
  writeFileSync(join(root, 'train.bin'), records([[1, 42], [19, 99]]));
  writeFileSync(join(root, 'test.bin'), records([[0, 7]]));
  const fine = loadDataset(root, { limit: 1 });
  assert.equal(fine.numClasses, 100);
  assert.deepEqual([...fine.train.labels], [42]);
  assert.equal(fine.train.count, 1);
  const coarse = loadDataset(root, { cifarLabels: 'coarse' });
  assert.equal(coarse.numClasses, 20);
  assert.deepEqual([...coarse.train.labels], [1, 19]);
});

test('a truncated CIFAR batch or an out-of-range label is DATASET_INVALID', () => {
  const root = join(dir, 'bad');
  mkdirSync(root);
  writeFileSync(join(root, 'data_batch_1.bin'), records([[1], [2]]).subarray(0, 5000));
  writeFileSync(join(root, 'test_batch.bin'), records([[1]]));
  assert.throws(() => loadDataset(root), (e: unknown) => isSlimnetError(e, 'DATASET_INVALID') && /data_batch_1\.bin: 5000 bytes/.test(e.message));
  writeFileSync(join(root, 'data_batch_1.bin'), records([[12]]));
  assert.throws(() => loadDataset(root), /label 12 at index 0 is outside \[0, 10\)/);
});
