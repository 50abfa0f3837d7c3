import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from './crc32.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

test('CRC-32 matches the published check values (zlib / PNG polynomial)', () => {
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(crc32(ascii('123456789')), 0xcbf43926);
  assert.equal(crc32(ascii('The quick brown fox jumps over the lazy dog')), 0x414fa339);
  assert.equal(crc32(new Uint8Array(32)), 0x190a55ad);
});

test('CRC-32 continues across chunks and changes with any single flipped bit', () => {
  const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 131 + 7) & 0xff);
  const whole = crc32(data);
  assert.equal(crc32(data.subarray(300), crc32(data.subarray(0, 300))), whole);
  for (let bit = 0; bit < data.length * 8; bit += 37) {
    const d = Uint8Array.from(data);
    d[bit >> 3] = (d[bit >> 3] as number) ^ (1 << (bit & 7));
    assert.notEqual(crc32(d), whole, `bit ${bit}`);
  }
});
