import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import type { DType } from '../ir/dtype.js';
import { GraphBuilder } from '../ir/builder.js';
import { Tensor, type TensorData, type TensorStorage } from '../ir/tensor.js';
import { Session } from '../runtime/session.js';
import { decodeModel, decodeTensorProto, encodeModel, encodeTensorProto } from './index.js';
import { modelSignature } from './signature.js';

/** One tensor per dtype, with awkward values (extremes, signed zero, NaN bit patterns, unicode). */
function samples(): Array<[DType, Tensor]> {
  const t = (dtype: DType, dims: number[], data: TensorData): [DType, Tensor] => [dtype, new Tensor(dtype, dims, data)];
  return [
    t('float32', [2, 3], Float32Array.from([0, -0, 1.5, -3.25e-38, 3.4e38, Infinity])),
    t('float16', [4], Uint16Array.from([0x3c00, 0x8000, 0x7bff, 0xfc00])),
    t('bfloat16', [3], Uint16Array.from([0x3f80, 0xc000, 0x7f80])),
    t('float64', [3], Float64Array.from([Math.PI, -1e308, 5e-324])),
    t('int8', [4], Int8Array.from([-128, -1, 0, 127])),
    t('uint8', [3], Uint8Array.from([0, 128, 255])),
    t('int16', [3], Int16Array.from([-32768, 7, 32767])),
    t('uint16', [3], Uint16Array.from([0, 40000, 65535])),
    t('int32', [3], Int32Array.from([-2147483648, 0, 2147483647])),
    t('uint32', [3], Uint32Array.from([0, 3000000000, 4294967295])),
    t('int64', [3], BigInt64Array.from([-(2n ** 63n), 9007199254740993n, 2n ** 63n - 1n])),
    t('uint64', [2], BigUint64Array.from([0n, 2n ** 64n - 1n])),
    t('bool', [3], Uint8Array.from([1, 0, 1])),
    t('string', [3], ['', 'héllo', '数据']),
  ];
}

function modelWith(storage: TensorStorage, skip: readonly DType[] = []): ReturnType<GraphBuilder['build']> {
  const b = new GraphBuilder('dtypes');
  for (const [dtype, tensor] of samples()) {
    if (skip.includes(dtype)) continue;
    tensor.storage = storage;
    const w = b.initializer(`w_${dtype}`, tensor);
    b.output(b.op('Identity', [w], {}, { name: `id_${dtype}` }), `y_${dtype}`);
  }
  const empty = new Tensor('float32', [0, 3]);
  empty.storage = storage;
  b.output(b.op('Identity', [b.initializer('w_empty', empty)]), 'y_empty');
  return b.build(17);
}

for (const storage of ['raw', 'typed'] as const) {
  test(`every dtype round-trips bit-exactly with ${storage} storage`, () => {
    const bytes = encodeModel(modelWith(storage));
    const decoded = decodeModel(bytes);
    for (const [dtype, original] of samples()) {
      const v = decoded.graph.initializers.get(`w_${dtype}`);
      assert.ok(v?.initializer, `initializer for ${dtype}`);
      const t = v.initializer;
      assert.equal(t.dtype, dtype);
      assert.deepEqual(t.dims, original.dims);
      assert.equal(t.storage, dtype === 'string' ? 'typed' : storage, `${dtype} storage`);
      assert.deepEqual(t.data, original.data, `${dtype} data`);
    }
    assert.equal(decoded.graph.initializers.get('w_empty')?.initializer?.size, 0);
    // Re-encoding the decoded model gives the same bytes and the same graph.
    const again = encodeModel(decoded);
    assert.deepEqual(again, bytes);
    assert.deepEqual(modelSignature(decodeModel(again)), modelSignature(decoded));
  });
}

test('the encoder writes the protobuf field each storage form calls for', () => {
  const proto = fromBinary(ModelProtoSchema, encodeModel(modelWith('typed')));
  const byName = new Map(proto.graph?.initializer.map((tp) => [tp.name, tp]));
  assert.equal(byName.get('w_float32')?.floatData.length, 6);
  assert.equal(byName.get('w_float16')?.int32Data.length, 4);
  assert.equal(byName.get('w_bool')?.int32Data.length, 3);
  assert.equal(byName.get('w_uint32')?.uint64Data.length, 3);
  assert.equal(byName.get('w_int64')?.int64Data.length, 3);
  assert.equal(byName.get('w_float64')?.doubleData.length, 3);
  assert.equal(byName.get('w_string')?.stringData.length, 3);
  assert.equal(byName.get('w_float32')?.rawData.length, 0);
  const raw = fromBinary(ModelProtoSchema, encodeModel(modelWith('raw')));
  const f32 = raw.graph?.initializer.find((tp) => tp.name === 'w_float32');
  assert.equal(f32?.rawData.length, 24);
  assert.equal(f32?.floatData.length, 0);
});

for (const storage of ['raw', 'typed'] as const) {
  test(`onnxruntime reads every ${storage} tensor encoding as written`, async () => {
    // onnxruntime-node's JS API has no bfloat16 tensors.
    const session = await Session.create(encodeModel(modelWith(storage, ['bfloat16'])), { threads: 1 });
    try {
      const out = await session.run({});
      for (const [dtype, original] of samples()) {
        if (dtype === 'bfloat16') continue;
        const y = out[`y_${dtype}`];
        assert.ok(y, `output for ${dtype}`);
        assert.deepEqual(Array.from(y.data as ArrayLike<unknown>), Array.from(original.data as ArrayLike<unknown>), dtype);
      }
    } finally {
      await session.release();
    }
  });
}

test('standalone TensorProto files round-trip', () => {
  for (const [dtype, original] of samples()) {
    const bytes = encodeTensorProto(original, `t_${dtype}`);
    const { name, tensor } = decodeTensorProto(bytes);
    assert.equal(name, `t_${dtype}`);
    assert.equal(tensor.dtype, dtype);
    assert.deepEqual(tensor.data, original.data);
  }
});

test('raw data at an unaligned offset of the input buffer is copied, not viewed', () => {
  const bytes = encodeModel(modelWith('raw'));
  for (const shift of [1, 2, 3]) {
    const buf = new Uint8Array(bytes.byteLength + shift);
    buf.set(bytes, shift);
    const m = decodeModel(buf.subarray(shift));
    const t = m.graph.initializers.get('w_float64')?.initializer;
    assert.ok(t);
    assert.deepEqual(t.data, Float64Array.from([Math.PI, -1e308, 5e-324]));
    buf.fill(0);
    assert.equal((t.data as Float64Array)[0], Math.PI, 'decoded data must not alias the input bytes');
  }
});
