import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from './builder.js';
import { isSlimnetError } from './errors.js';
import { assertFiniteWeights, findNonFinite, firstNonFiniteIndex } from './finite.js';
import { Tensor, floatToBf16, floatToHalf } from './tensor.js';

test('firstNonFiniteIndex finds NaN / ±Inf in every float dtype and ignores integers', () => {
  assert.equal(firstNonFiniteIndex(Tensor.f32([3], [1, 2, 3])), -1);
  assert.equal(firstNonFiniteIndex(Tensor.f32([3], [1, NaN, Infinity])), 1);
  assert.equal(firstNonFiniteIndex(Tensor.f64([2], [0, -Infinity])), 1);
  const half = (xs: number[], dtype: 'float16' | 'bfloat16'): Tensor =>
    new Tensor(dtype, [xs.length], Uint16Array.from(xs, dtype === 'float16' ? floatToHalf : floatToBf16));
  assert.equal(firstNonFiniteIndex(half([1, 65504, -2, NaN], 'float16')), 3);
  assert.equal(firstNonFiniteIndex(half([1, 65504], 'float16')), -1);
  assert.equal(firstNonFiniteIndex(half([3e38, -Infinity], 'bfloat16')), 1);
  assert.equal(firstNonFiniteIndex(new Tensor('int32', [2], Int32Array.from([1, -1]))), -1);
  const found = findNonFinite([['a', Tensor.f32([2], [0, 1])], ['b', half([0, 0, -Infinity], 'float16')]]);
  assert.deepEqual(found, { name: 'b', index: 2, value: -Infinity });
});

test('assertFiniteWeights names the first offending initializer, its element and the source', () => {
  const b = new GraphBuilder('tiny');
  const x = b.input('x', 'float32', ['N', 2]);
  const w = b.initializer('fc.weight', Tensor.f32([2, 2], [1, 2, 3, 4]));
  b.output(b.op('Gemm', [x, w]), 'y');
  const m = b.build();
  assert.doesNotThrow(() => assertFiniteWeights(m, 'tiny.onnx'));
  (m.graph.initializers.get('fc.weight')?.initializer?.data as Float32Array)[2] = NaN;
  const named = (e: unknown): boolean => isSlimnetError(e, 'MODEL_INVALID') && /tiny\.onnx/.test(e.message)
    && /'fc\.weight' holds NaN at element 2/.test(e.message) && /k-means sharing refuses/.test(e.message);
  assert.throws(() => assertFiniteWeights(m, "model file 'tiny.onnx'", 'k-means sharing'), named);
});
