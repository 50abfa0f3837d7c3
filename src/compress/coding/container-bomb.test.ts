/**
 * Size bombs: containers whose dims claim 1 GiB or 4 GiB of weights, with valid checksums, must be refused with a
 * typed error before the tensor is allocated (the claims are checked against the embedded graph, against what
 * the streams can encode, and against the unpack limit).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlimnetError } from '../../ir/errors.js';
import { encodeModel } from '../../onnx/index.js';
import { smallContainer } from '../../testing/sldc-fixture.js';
import { buildZooModel } from '../../zoo/index.js';
import { ByteWriter } from './bits.js';
import { resealFrame, sectionSpans, writeFrame } from './frame.js';
import { placeholderFor } from './placeholder.js';
import { unpack } from './unpack.js';

const GiB_DIMS = [16384, 16384]; // 2^28 float32 = 1 GiB
const FOUR_GiB_DIMS = [65536, 16384];

interface Record {
  readonly gapBits: number;
  readonly nonzero: number;
  readonly entries: number;
  readonly gapLen: Uint8Array;
  readonly weights: Uint8Array;
  readonly gaps: Uint8Array;
}

/** A layer section of fc1.weight: one codebook value (1.0) with a 1-bit code. */
function layerPayload(dims: readonly number[], rec: Record): Uint8Array {
  const w = new ByteWriter();
  w.string('fc1.weight');
  w.u8(dims.length);
  for (const d of dims) w.u32(d);
  w.u8(rec.gapBits);
  w.u32(1);
  w.u32(0x3f800000);
  w.u32(rec.nonzero);
  w.u32(rec.entries);
  w.u8(1);
  w.bytes(rec.gapLen);
  w.block(rec.weights);
  if (rec.gapBits > 0) w.block(rec.gaps);
  return w.finish();
}

/** A container of lenet-300-100 whose fc1.weight placeholder and layer section both claim `dims`. */
function consistentBomb(dims: readonly number[], rec: Record): Uint8Array {
  const m = buildZooModel('lenet-300-100', { seed: 1, width: 0.25 });
  m.graph.initializers.get('fc1.weight')!.initializer = placeholderFor(dims);
  return writeFrame(encodeModel(m), [layerPayload(dims, rec)]);
}

/** g = 16: one stored weight after enough 1-bit filler gaps to cover `size` elements. */
function fillerRecord(size: number): Record {
  const filler = 2 ** 16 - 1;
  const fillers = Math.floor((size - 1) / filler);
  const gapLen = new Uint8Array(2 ** 16);
  gapLen[0] = 1;
  gapLen[filler] = 1; // canonical codes: gap 0 -> '0', filler -> '1'
  const gaps = new Uint8Array(Math.ceil((fillers + 1) / 8));
  for (let i = 0; i < fillers; i++) gaps[i >> 3] = (gaps[i >> 3] as number) | (0x80 >> (i & 7));
  return { gapBits: 16, nonzero: 1, entries: fillers + 1, gapLen, weights: Uint8Array.of(0), gaps };
}

/** Expects a CONTAINER_CORRUPT matching `re`, thrown fast and without allocating the claimed tensor. */
function refusedCheaply(bytes: Uint8Array, re: RegExp, opts: { maxUnpackedBytes?: number } = {}): void {
  const before = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  assert.throws(() => unpack(bytes, opts), (e: unknown) => {
    assert.ok(e instanceof SlimnetError && e.code === 'CONTAINER_CORRUPT', String(e));
    assert.match(e.message, re);
    return true;
  });
  assert.ok(performance.now() - t0 < 2000, `${performance.now() - t0} ms`);
  assert.ok(process.memoryUsage().arrayBuffers - before < 32 * 2 ** 20, 'a large buffer was allocated');
}

test('dims edited to 1 GiB / 4 GiB in a real container (checksums recomputed) disagree with the embedded graph', () => {
  const { bytes } = smallContainer();
  const span = sectionSpans(bytes).find((s) => {
    const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(s.payloadOffset, true);
    return new TextDecoder().decode(bytes.subarray(s.payloadOffset + 4, s.payloadOffset + 4 + n)) === 'fc1.weight';
  })!;
  for (const dims of [GiB_DIMS, FOUR_GiB_DIMS]) {
    const bomb = Uint8Array.from(bytes);
    const view = new DataView(bomb.buffer);
    const rankAt = span.payloadOffset + 4 + 'fc1.weight'.length;
    assert.equal(bomb[rankAt], 2);
    dims.forEach((d, i) => view.setUint32(rankAt + 1 + 4 * i, d, true));
    const disagree = /layer 'fc1\.weight'\): dims \[\d+, 16384\] disagree with the embedded graph's \[\d+, \d+\]/;
    refusedCheaply(resealFrame(bomb), disagree);
  }
});

test('a graph and layer that agree on 1 GiB are refused by what the streams can encode', () => {
  const empty = new Uint8Array(0);
  const trusting = { maxUnpackedBytes: 2 ** 33 }; // the limit would refuse first; these checks stand on their own
  // Sparse form: one weight and no fillers cannot leave 2^28 - 1 trailing zeros implied.
  const gapLen = new Uint8Array(256);
  gapLen[0] = 1;
  const sparse = { gapBits: 8, nonzero: 1, entries: 1, gapLen, weights: Uint8Array.of(0), gaps: Uint8Array.of(0) };
  refusedCheaply(consistentBomb(GiB_DIMS, sparse), /trailing zeros need filler gaps/, trusting);
  // Dense form: 2^28 weights of at least 1 bit cannot fit a 1-byte stream.
  const dense = { gapBits: 0, nonzero: 2 ** 28, entries: 0, gapLen: empty, weights: Uint8Array.of(0), gaps: empty };
  const tooShort = /cluster-index stream is 1 bytes; 268435456 symbol\(s\) of 1\.\.1 bits need 33554432/;
  refusedCheaply(consistentBomb(GiB_DIMS, dense), tooShort, trusting);
});

test('1 GiB / 4 GiB that the streams can encode (long filler runs) stop at the unpack limit', () => {
  for (const dims of [GiB_DIMS, FOUR_GiB_DIMS]) {
    const bomb = consistentBomb(dims, fillerRecord(dims[0]! * dims[1]!));
    refusedCheaply(bomb, /more than 67108864 bytes .*over the unpack limit/);
  }
  // The same construction at a small size decodes, so the limit (not a malformed record) is what refused it.
  const small = unpack(consistentBomb([1000, 300], fillerRecord(300_000)));
  const w = small.graph.initializers.get('fc1.weight')!.initializer!;
  assert.deepEqual(w.dims, [1000, 300]);
  const data = w.data as Float32Array;
  assert.equal(data.reduce((n, x) => n + (x !== 0 ? 1 : 0), 0), 1);
  assert.equal(data[Math.floor(299_999 / 65535) * 65535], 1);
});

test('the unpack limit is an option: a real container passes at its exact size and fails one byte below', () => {
  const { bytes, report } = smallContainer();
  const total = report.layers.reduce((s, l) => s + l.denseBytes, 0);
  assert.doesNotThrow(() => unpack(bytes, { maxUnpackedBytes: total }));
  assert.throws(() => unpack(bytes, { maxUnpackedBytes: Number.NaN }), /maxUnpackedBytes must be a number >= 0, got NaN/);
  refusedCheaply(bytes, new RegExp(`more than ${total - 1} bytes`), { maxUnpackedBytes: total - 1 });
});
