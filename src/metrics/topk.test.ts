import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlimnetError } from '../ir/errors.js';
import { expectClose } from '../testing/expect-close.js';
import { compressionRatio, speedup } from './ratios.js';
import { TopKAccumulator, topKError } from './topk.js';

// 4 samples × 6 classes; the label's rank is 0, 2, 5 and 1 (tie broken towards the lower index).
const logits = Float32Array.from([
  9, 1, 2, 3, 4, 5,
  1, 7, 8, 9, 0, 0,
  6, 5, 4, 3, 2, 1,
  4, 4, 0, 0, 0, 0,
]);
const labels = [0, 1, 5, 1];

test('topKError counts labels outside the top k', () => {
  expectClose(topKError(logits, labels, 6, 1), 3 / 4);
  expectClose(topKError(logits, labels, 6, 2), 2 / 4);
  expectClose(topKError(logits, labels, 6, 3), 1 / 4);
  expectClose(topKError(logits, labels, 6, 5), 1 / 4);
  expectClose(topKError(logits, labels, 6, 6), 0);
  assert.equal(topKError(new Float32Array(0), [], 6, 1), 0);
  assert.equal(topKError(Float32Array.from([NaN, 0]), [0], 2, 2), 1, 'NaN is never correct');
});

test('topKError validates its arguments', () => {
  assert.throws(() => topKError(logits, labels, 5, 1), SlimnetError);
  assert.throws(() => topKError(logits, [0, 1, 6, 1], 6, 1), /outside \[0, 6\)/);
  assert.throws(() => topKError(logits, labels, 6, 0), /positive integer/);
});

test('TopKAccumulator streams batches and agrees with topKError', () => {
  const acc = new TopKAccumulator(6);
  assert.equal(acc.top1Error, 0);
  acc.add(logits.subarray(0, 12), labels.slice(0, 2));
  acc.add(logits.subarray(12), labels.slice(2));
  assert.equal(acc.count, 4);
  assert.equal(acc.correct(1), 1);
  assert.equal(acc.correct(5), 3);
  expectClose(acc.top1Error, topKError(logits, labels, 6, 1));
  expectClose(acc.top5Error, topKError(logits, labels, 6, 5));
  assert.throws(() => acc.correct(3), /not 3/);
});

test('compression ratio and speedup are before / after', () => {
  expectClose(compressionRatio(431_080 * 4, 431_080), 4);
  expectClose(speedup(10, 4), 2.5);
  assert.throws(() => compressionRatio(10, 0), SlimnetError);
  assert.throws(() => speedup(Number.NaN, 1), SlimnetError);
});
