import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BitReader, BitWriter } from './bits.js';
import { canonicalCodes, codedBits, codeLengths, decodeSymbols, encodeSymbols } from './huffman.js';

function prefixFree(lengths: Uint8Array): void {
  const codes = canonicalCodes(lengths);
  const words = [...lengths.keys()].filter((s) => lengths[s]! > 0).map((s) => codes[s]!.toString(2).padStart(lengths[s]!, '0'));
  for (const a of words) for (const b of words) if (a !== b) assert.ok(!b.startsWith(a), `${a} is a prefix of ${b}`);
}

test('dyadic distribution gets lengths -log2 p (optimal), codes are canonical and prefix-free', () => {
  const lengths = codeLengths([8, 4, 2, 1, 1]);
  assert.deepEqual([...lengths], [1, 2, 3, 4, 4]);
  assert.deepEqual([...canonicalCodes(lengths)], [0b0, 0b10, 0b110, 0b1110, 0b1111]);
  prefixFree(lengths);
});

test('known textbook case: total bits equal the optimum; unused symbols get no code', () => {
  // a:45 b:13 c:12 d:16 e:9 f:5 (CLRS): optimal cost 224.
  const f = [45, 13, 12, 16, 9, 5, 0];
  const l = codeLengths(f);
  assert.equal(codedBits(f, l), 224);
  assert.equal(l[6], 0);
  prefixFree(l);
});

test('round trip through the bit stream, including a single-symbol alphabet', () => {
  const syms = Int32Array.from({ length: 1000 }, (_, i) => Math.floor(Math.abs(Math.sin(i)) ** 3 * 20));
  const freqs = new Array<number>(20).fill(0);
  for (const s of syms) freqs[s]!++;
  const l = codeLengths(freqs);
  const w = new BitWriter();
  encodeSymbols(syms, l, w);
  assert.equal(w.length, codedBits(freqs, l));
  assert.deepEqual(decodeSymbols(syms.length, l, new BitReader(w.finish())), syms);
  const one = codeLengths([0, 0, 5]);
  assert.deepEqual([...one], [0, 0, 1]);
  const w1 = new BitWriter();
  encodeSymbols([2, 2, 2], one, w1);
  assert.deepEqual([...decodeSymbols(3, one, new BitReader(w1.finish()))], [2, 2, 2]);
});

test('length-limited codes stay within the limit, prefix-free and Kraft-complete', () => {
  const fib = [1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144];
  assert.equal(Math.max(...codeLengths(fib)), 11);
  const l = codeLengths(fib, 5);
  assert.equal(Math.max(...l), 5);
  assert.equal([...l].reduce((a, x) => a + 2 ** -x, 0), 1);
  prefixFree(l);
  assert.ok(codedBits(fib, l) >= codedBits(fib, codeLengths(fib)));
});
