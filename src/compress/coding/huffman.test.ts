import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BitReader, BitWriter } from './bits.js';
import {
  canonicalCodes, codedBits, codeLengthProblem, codeLengths, decodeSymbols, encodeSymbols, HuffmanDecoder,
} from './huffman.js';

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

test('code tables are checked: complete prefix codes pass, over-subscribed / incomplete / too long ones do not', () => {
  assert.equal(codeLengthProblem(codeLengths([8, 4, 2, 1, 1]), 16, 24), undefined);
  assert.equal(codeLengthProblem([0, 1, 0], 5, 24), undefined);
  assert.equal(codeLengthProblem([0, 0], 0, 24), undefined);
  assert.match(codeLengthProblem([1, 1, 2], 3, 24)!, /over-subscribe/);
  assert.match(codeLengthProblem([1, 2, 0], 3, 24)!, /incomplete \(Kraft sum 0\.75/);
  assert.match(codeLengthProblem([2, 0], 3, 24)!, /lone code must be 1 bit/);
  assert.match(codeLengthProblem([1, 25], 3, 24)!, /symbol 1 has a 25-bit code/);
  assert.match(codeLengthProblem([0, 0], 3, 24)!, /no symbol has a code/);
  assert.match(codeLengthProblem([1, 1], 0, 24)!, /codes no symbol/);
});

test('decodeSymbols refuses a count the stream cannot hold before allocating, and invalid codes', () => {
  const l = Uint8Array.of(1, 2, 2);
  const tooMany = /1073741824 symbols of at least 1 bit\(s\) each cannot fit a stream of 32 bits/;
  assert.throws(() => decodeSymbols(2 ** 30, l, new BitReader(new Uint8Array(4))), tooMany);
  assert.deepEqual([...decodeSymbols(3, l, new BitReader(Uint8Array.of(0b01011000)))], [0, 1, 2]);
  // Lengths [2, 2] leave codes 10 and 11 unassigned: reading them is an error, not a wrong symbol.
  assert.throws(() => decodeSymbols(1, [2, 2], new BitReader(Uint8Array.of(0b11000000))), /invalid Huffman code/);
  const r = new BitReader(Uint8Array.of(0b10100000));
  new HuffmanDecoder(l).next(r);
  assert.equal(r.atPaddedEnd, false);
  new HuffmanDecoder(l).next(r);
  assert.equal(r.atPaddedEnd, true);
});
