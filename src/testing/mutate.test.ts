import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MUTATION_KINDS, mutants } from './mutate.js';

const input = Uint8Array.from({ length: 200 }, (_, i) => (i * 37) & 0xff);

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

test('mutants are deterministic per seed, never equal to the input, and cover every kind', () => {
  const a = [...mutants(input, 600, 7)];
  const b = [...mutants(input, 600, 7)];
  const c = [...mutants(input, 600, 8)];
  assert.ok(a.every((m, i) => equal(m.bytes, b[i]!.bytes) && m.description === b[i]!.description));
  assert.ok(a.some((m, i) => !equal(m.bytes, c[i]!.bytes)));
  assert.ok(a.every((m) => !equal(m.bytes, input)), 'a mutant equal to its input');
  assert.deepEqual(new Set(a.map((m) => m.kind)), new Set(MUTATION_KINDS));
  for (const m of a) {
    if (m.kind === 'truncate') {
      assert.ok(m.bytes.length < input.length && equal(m.bytes, input.subarray(0, m.bytes.length)));
    }
    if (m.kind === 'insert') assert.ok(m.bytes.length > input.length);
    if (m.kind === 'delete') assert.ok(m.bytes.length < input.length);
    if (m.kind === 'bit-flip') assert.equal(m.bytes.reduce((n, x, i) => n + (x !== input[i] ? 1 : 0), 0), 1);
  }
  assert.deepEqual(input, Uint8Array.from({ length: 200 }, (_, i) => (i * 37) & 0xff), 'the input was modified');
});

test('length-field edits hit the given u32 fields; tiny and empty inputs still mutate', () => {
  const fields = [8, 40];
  for (const m of mutants(input, 100, 3, { kinds: ['length-field'], lengthFields: fields })) {
    assert.ok(fields.includes(m.offset), m.description);
    const changed = [...m.bytes.keys()].filter((i) => m.bytes[i] !== input[i]);
    assert.ok(changed.length > 0 && changed.every((i) => i >= m.offset && i < m.offset + 4), m.description);
  }
  for (const m of mutants(new Uint8Array(0), 20, 1)) assert.ok(m.bytes.length > 0);
  for (const m of mutants(Uint8Array.of(9, 9), 50, 2)) assert.ok(!equal(m.bytes, Uint8Array.of(9, 9)), m.description);
});
