import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRelative, encodeRelative } from './relative-index.js';

test('gaps with filler zeros on a hand-made sparse vector (3-bit gaps)', () => {
  // nonzeros at 1, 4, 20 (gap 15 > 6 needs two fillers of 7 then 1), 21, 29 (gap 7 = one filler then 0).
  const v = new Float32Array(32);
  for (const p of [1, 4, 20, 21, 29]) v[p] = 1;
  const r = encodeRelative(v.length, (i) => v[i] !== 0, 3);
  assert.deepEqual([...r.gaps], [1, 2, 7, 7, 1, 0, 7, 0]);
  assert.equal(r.fillers, 3);
  assert.deepEqual([...decodeRelative(r.gaps, 3, v.length)], [1, 4, 20, 21, 29]);
});

test('round trip on random sparsity for several widths; leading and trailing zeros implied', () => {
  for (const bits of [1, 2, 4, 8]) {
    const size = 3000;
    const pos = Array.from({ length: size }, (_, i) => i).filter((i) => (i * 7919) % 97 < 3 && i > 40);
    const set = new Set(pos);
    const r = encodeRelative(size, (i) => set.has(i), bits);
    assert.deepEqual([...decodeRelative(r.gaps, bits, size)], pos);
    assert.equal(r.gaps.length - r.fillers, pos.length);
  }
});

test('a gap past the end throws', () => {
  assert.throws(() => decodeRelative([5], 4, 5), /past the tensor end/);
});

test('trailing zero runs are covered by fillers, so a gap stream bounds the tensor size', () => {
  const v = new Float32Array(40);
  v[2] = 1;
  const r = encodeRelative(v.length, (i) => v[i] !== 0, 3);
  // 37 trailing zeros: five fillers of 7, then 2 implied.
  assert.deepEqual([...r.gaps], [2, 7, 7, 7, 7, 7]);
  assert.deepEqual([...decodeRelative(r.gaps, 3, 40)], [2]);
  assert.throws(() => decodeRelative([2], 3, 40), /cover 3 of 40 elements; 37 trailing zeros need filler gaps/);
  assert.throws(() => decodeRelative([2, 7, 7, 7, 7, 7, 7], 3, 40), /filler gaps run past the tensor end \(45 > 40\)/);
  assert.throws(() => decodeRelative([9], 3, 40), /gap symbol 9 is outside \[0, 7\]/);
  const zeros = encodeRelative(20, () => false, 2);
  assert.deepEqual([...zeros.gaps], [3, 3, 3, 3, 3, 3]);
  assert.deepEqual([...decodeRelative(zeros.gaps, 2, 20)], []);
});
