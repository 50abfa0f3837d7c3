import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSlimnetError } from '../../ir/errors.js';
import { Tensor } from '../../ir/tensor.js';
import { Rng } from '../../util/rng.js';
import { decodePackedWeights, encodePackedWeights, packedByteSize } from './packed-codec.js';
import { isBinaryTensor, packBinaryWeights, unpackBinaryWeights } from './packed.js';

function randomSigns(dims: number[], seed: number): Tensor {
  const rng = new Rng(seed);
  const t = Tensor.f32(dims);
  const d = t.data as Float32Array;
  for (let i = 0; i < d.length; i++) d[i] = rng.next() < 0.5 ? -1 : 1;
  return t;
}

test('conv weights: bits follow (ky, kx, c) order, 1 = -1, and unpack restores the tensor', () => {
  // M=1, C=2, 2x2 kernel: element [0, c, ky, kx]; make only w[0,1,0,1] (c=1, ky=0, kx=1) negative.
  const t = Tensor.f32([1, 2, 2, 2], [1, 1, 1, 1, 1, -1, 1, 1]);
  const p = packBinaryWeights(t, { name: 'w' });
  assert.equal(p.kind, 'conv');
  assert.equal(p.wordsPerRow, 1);
  assert.deepEqual(Array.from(p.bits), [1 << ((0 * 2 + 1) * 2 + 1), 0]); // j = (ky*kw + kx)*C + c = 3
  assert.deepEqual(unpackBinaryWeights(p).toNumbers(), t.toNumbers());
});

test('round trip through the packed form and its bytes, across word boundaries', () => {
  for (const [dims, kind, transB, seed] of [
    [[7, 3, 5, 5], 'conv', true, 1], [[9, 64, 3, 3], 'conv', true, 2], [[3, 70, 1, 1], 'conv', true, 3],
    [[13, 200], 'gemm', true, 4], [[130, 11], 'gemm', false, 5], [[2, 64], 'gemm', true, 6],
  ] as const) {
    const t = randomSigns([...dims], seed);
    const m = transB ? (dims[0] as number) : (dims[1] as number);
    const scales = Float32Array.from({ length: m }, (_, i) => 0.5 + i);
    const p = packBinaryWeights(t, { kind, transB, scales });
    assert.equal(p.outChannels, m);
    const q = decodePackedWeights(encodePackedWeights(p));
    assert.deepEqual(q, p);
    const back = unpackBinaryWeights(q);
    const expected = kind === 'gemm' && !transB ? transpose(t) : t;
    assert.deepEqual(back.dims, expected.dims);
    assert.deepEqual(back.toNumbers(), expected.toNumbers(), `${kind} [${dims.join(',')}]`);
    // 1 bit per weight (rounded up to 64 per row) + 4-byte scales + 24-byte header.
    assert.equal(packedByteSize(p), 24 + m * Math.ceil(t.size / m / 64) * 8 + 4 * m);
  }
});

test('packing rejects anything but ±1, and decoding rejects damaged bytes', () => {
  const err = (f: () => unknown, code: string, re: RegExp): void =>
    assert.throws(f, (e: unknown) => isSlimnetError(e) && e.code === code && re.test(e.message));
  err(() => packBinaryWeights(Tensor.f32([2, 2], [1, -1, 0, 1]), { name: 'fc.w' }), 'INVALID_ARGUMENT', /'fc\.w'.*element 2 is 0/);
  err(() => packBinaryWeights(Tensor.f32([2, 2], [1, -1, 0.5, 1])), 'INVALID_ARGUMENT', /element 2 is 0\.5/);
  err(() => packBinaryWeights(Tensor.f32([2, 2, 2], [1, 1, 1, 1, 1, 1, 1, 1])), 'INVALID_ARGUMENT', /\[M, C, kh, kw\]/);
  err(() => packBinaryWeights(Tensor.f32([2, 2], [1, 1, 1, 1]), { scales: new Float32Array(3) }), 'INVALID_ARGUMENT', /3 scales for 2/);
  assert.equal(isBinaryTensor(Tensor.f32([2], [1, -1])), true);
  assert.equal(isBinaryTensor(Tensor.f32([2], [1, 2])), false);
  assert.equal(isBinaryTensor(Tensor.i64([2], [1, -1])), false);

  const bytes = encodePackedWeights(packBinaryWeights(randomSigns([3, 10], 7)));
  err(() => decodePackedWeights(bytes.slice(0, bytes.length - 1)), 'ONNX_DECODE', /bytes, expected/);
  const magic = bytes.slice();
  magic[0] = 0;
  err(() => decodePackedWeights(magic), 'ONNX_DECODE', /magic/);
  const stray = bytes.slice();
  stray[24 + 2] = 0xff; // bits 16..23 of row 0 lie past K = 10
  err(() => decodePackedWeights(stray), 'ONNX_DECODE', /row 0 has bits set past/);
});

function transpose(t: Tensor): Tensor {
  const [r, c] = t.dims as [number, number];
  const d = t.data as Float32Array;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = d[i * c + j] as number;
  return Tensor.f32([c, r], out);
}
