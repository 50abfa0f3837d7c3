import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchCount, batches, epochBatches } from './batches.js';
import type { Split } from './types.js';

function split(n: number): Split {
  // Sample i is [i, i + 0.5]; label i.
  const images = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) images.set([i, i + 0.5], 2 * i);
  return { images, labels: Int32Array.from({ length: n }, (_, i) => i), count: n, sampleShape: [2] };
}

function order(s: Split, epoch: number, seed: number, shuffle = true): number[] {
  const out: number[] = [];
  for (const b of epochBatches(s, epoch, { batchSize: 4, shuffle, seed })) out.push(...b.y);
  return out;
}

test('sequential batches are views covering every sample, last one partial', () => {
  const s = split(10);
  const got = [...batches(s, { batchSize: 4 })];
  assert.deepEqual(got.map((b) => b.size), [4, 4, 2]);
  assert.deepEqual(got[2]?.dims, [2, 2]);
  assert.deepEqual([...(got[2]?.x ?? [])], [8, 8.5, 9, 9.5]);
  assert.equal(got[0]?.x.buffer, s.images.buffer, 'zero-copy view');
  assert.deepEqual([...batches(s, { batchSize: 4, dropLast: true })].map((b) => b.size), [4, 4]);
  assert.equal(batchCount(10, 4), 3);
  assert.equal(batchCount(10, 4, true), 2);
  assert.throws(() => [...batches(s, { batchSize: 0 })], /batchSize must be a positive integer/);
});

test('shuffled order is a permutation, reproducible from (seed, epoch) and different across epochs', () => {
  const s = split(37);
  const e0 = order(s, 0, 42);
  assert.deepEqual([...e0].sort((a, b) => a - b), Array.from({ length: 37 }, (_, i) => i));
  assert.notDeepEqual(e0, order(s, 0, 42, false));
  assert.deepEqual(order(s, 0, 42), e0);
  assert.deepEqual(order(s, 3, 42), order(s, 3, 42));
  assert.notDeepEqual(order(s, 1, 42), e0);
  assert.notDeepEqual(order(s, 0, 43), e0);
  const viaBatches: number[] = [];
  for (const b of batches(s, { batchSize: 4, shuffle: true, seed: 42 })) viaBatches.push(...b.y);
  assert.deepEqual(viaBatches, e0);
});

test('shuffled batches gather matching x and y; buffers are reused unless asked not to', () => {
  const s = split(9);
  const seen: Float32Array[] = [];
  for (const b of batches(s, { batchSize: 4, shuffle: true, seed: 1 })) {
    for (let i = 0; i < b.size; i++) assert.deepEqual([...b.x.subarray(2 * i, 2 * i + 2)], [b.y[i], (b.y[i] as number) + 0.5]);
    seen.push(b.x);
  }
  assert.equal(seen[0]?.buffer, seen[1]?.buffer);
  const kept = [...batches(s, { batchSize: 4, shuffle: true, seed: 1, reuseBuffers: false })];
  assert.notEqual(kept[0]?.x.buffer, kept[1]?.x.buffer);
  const ys = kept.flatMap((b) => [...b.y]);
  for (let k = 0; k < kept.length; k++) {
    const b = kept[k];
    assert.ok(b);
    for (let i = 0; i < b.size; i++) assert.equal(b.x[2 * i], ys[4 * k + i]);
  }
});
