import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../../ir/errors.js';
import { Tensor } from '../../ir/tensor.js';
import { probeOp, probeShapes } from './probe.js';

const i64 = (v: number[]): Tensor => Tensor.i64([v.length], v);
const f32 = (v: number[]): Tensor => Tensor.f32([v.length], v);

test('elementwise: numpy broadcasting, comparisons, Where, Cast, Dropout', () => {
  assert.deepEqual(probeShapes('Add', [['N', 3, 1, 5], [4, 1]])[0], ['N', 3, 4, 5]);
  assert.deepEqual(probeShapes('Mul', [['N', 1], [1, 'M']])[0], ['N', 'M']);
  assert.deepEqual(probeShapes('Pow', [[2, 3], []])[0], [2, 3]);
  assert.throws(() => probeShapes('Sub', [[3], [4]]), (e: unknown) => e instanceof ShapeError && /cannot broadcast dimensions 3 and 4/.test(e.message));
  const [eq] = probeOp('Equal', [[2, 1], [3]]);
  assert.deepEqual([eq?.dtype, eq?.shape], ['bool', [2, 3]]);
  const cond = { shape: [1, 4], dtype: 'bool' as const };
  assert.deepEqual(probeShapes('Where', [cond, [3, 1], []])[0], [3, 4]);
  const [c] = probeOp('Cast', [['N', 2]], { to: 7 });
  assert.deepEqual([c?.dtype, c?.shape], ['int64', ['N', 2]]);
  for (const op of ['Relu', 'Sigmoid', 'Clip', 'HardSwish', 'Erf', 'Softmax', 'LeakyRelu', 'Identity']) {
    assert.deepEqual(probeShapes(op, [['N', 7]])[0], ['N', 7], op);
  }
  assert.deepEqual(probeShapes('PRelu', [['N', 3, 4, 4], f32([0.1, 0.1, 0.1]).reshape([3, 1, 1])])[0], ['N', 3, 4, 4]);
  const [y, mask] = probeOp('Dropout', [['N', 5]], {}, { outputs: 2 });
  assert.deepEqual([y?.shape, mask?.dtype, mask?.shape], [['N', 5], 'bool', ['N', 5]]);
});

test('Quantize / DequantizeLinear dtypes', () => {
  const [q] = probeOp('QuantizeLinear', [[2, 3], Tensor.scalar(0.1), new Tensor('int8', [])]);
  assert.deepEqual([q?.dtype, q?.shape], ['int8', [2, 3]]);
  assert.equal(probeOp('QuantizeLinear', [[2, 3], Tensor.scalar(0.1)])[0]?.dtype, 'uint8');
  const [d] = probeOp('DequantizeLinear', [{ shape: [4], dtype: 'int8' }, Tensor.scalar(0.1)]);
  assert.deepEqual([d?.dtype, d?.shape], ['float32', [4]]);
});

test('Gemm with transA / transB and the inner-dimension check', () => {
  assert.deepEqual(probeShapes('Gemm', [[4, 3], [5, 4]], { transA: 1, transB: 1 })[0], [3, 5]);
  assert.deepEqual(probeShapes('Gemm', [['N', 800], Tensor.f32([500, 800]), Tensor.f32([500])], { transB: 1 })[0], ['N', 500]);
  assert.throws(() => probeShapes('Gemm', [['N', 800], Tensor.f32([500, 800])]), (e: unknown) =>
    e instanceof ShapeError && /inner dimension/.test(e.message) && /expected 800, got 500/.test(e.message));
});

test('MatMul: batched with broadcasting and the 1-D cases; Einsum', () => {
  assert.deepEqual(probeShapes('MatMul', [[2, 1, 3, 4], [5, 4, 6]])[0], [2, 5, 3, 6]);
  assert.deepEqual(probeShapes('MatMul', [['N', 3, 4], [4, 5]])[0], ['N', 3, 5]);
  assert.deepEqual(probeShapes('MatMul', [[4], [4, 6]])[0], [6]);
  assert.deepEqual(probeShapes('MatMul', [[2, 3, 4], [4]])[0], [2, 3]);
  assert.deepEqual(probeShapes('MatMul', [[4], [4]])[0], []);
  assert.throws(() => probeShapes('MatMul', [[3, 4], [5, 6]]), ShapeError);
  assert.deepEqual(probeShapes('Einsum', [[2, 3, 4], [2, 4, 5]], { equation: 'bij,bjk->bik' })[0], [2, 3, 5]);
  assert.deepEqual(probeShapes('Einsum', [[3, 4], [4, 5]], { equation: 'ij,jk' })[0], [3, 5]);
  assert.deepEqual(probeShapes('Einsum', [['N', 7, 3, 4]], { equation: '...ij->...ji' })[0], ['N', 7, 4, 3]);
});

test('BatchNormalization in inference and training mode', () => {
  const c = f32([1, 1, 1]);
  assert.deepEqual(probeShapes('BatchNormalization', [['N', 3, 8, 8], c, c, c, c]), [['N', 3, 8, 8]]);
  const outs = probeShapes('BatchNormalization', [['N', 3, 8, 8], c, c, c, c], { training_mode: 1 }, { opset: 15, outputs: 3 });
  assert.deepEqual(outs, [['N', 3, 8, 8], [3], [3]]);
  assert.throws(() => probeShapes('BatchNormalization', [['N', 4, 8, 8], c, c, c, c]), ShapeError);
});

test('reductions: axes by attribute or input per opset, keepdims, noop_with_empty_axes; ArgMax; TopK', () => {
  assert.deepEqual(probeShapes('ReduceMean', [['N', 3, 4]], { axes: [1], keepdims: 0 }, { opset: 13 })[0], ['N', 4]);
  assert.deepEqual(probeShapes('ReduceMean', [['N', 3, 4], i64([-1])], {}, { opset: 18 })[0], ['N', 3, 1]);
  assert.deepEqual(probeShapes('ReduceSum', [['N', 3, 4], i64([0, 2])], { keepdims: 0 }, { opset: 13 })[0], [3]);
  assert.deepEqual(probeShapes('ReduceSum', [['N', 3, 4]], { axes: [0] }, { opset: 11 })[0], [1, 3, 4]);
  assert.deepEqual(probeShapes('ReduceMax', [[2, 3]], { keepdims: 0 })[0], []);
  assert.deepEqual(probeShapes('ReduceL2', [[2, 3]], { noop_with_empty_axes: 1 }, { opset: 18 })[0], [2, 3]);
  const [am] = probeOp('ArgMax', [['N', 10]], { axis: 1 });
  assert.deepEqual([am?.dtype, am?.shape], ['int64', ['N', 1]]);
  assert.deepEqual(probeShapes('TopK', [['N', 10], i64([3])], {}, { outputs: 2 }), [['N', 3], ['N', 3]]);
  assert.deepEqual(probeShapes('TopK', [[4, 10]], { k: 2, axis: 0 }, { opset: 9, outputs: 2 }), [[2, 10], [2, 10]]);
  assert.throws(() => probeShapes('TopK', [[4, 10], i64([11])], {}, { outputs: 2 }), ShapeError);
});

test('Resize by scales or sizes (with axes) and Upsample', () => {
  const none = undefined;
  assert.deepEqual(probeShapes('Resize', [['N', 3, 8, 8], none, f32([1, 1, 2, 1.5])], {}, { opset: 13 })[0], ['N', 3, 16, 12]);
  assert.deepEqual(probeShapes('Resize', [['N', 3, 8, 8], none, none, i64([1, 3, 5, 7])], {}, { opset: 13 })[0], [1, 3, 5, 7]);
  assert.deepEqual(probeShapes('Resize', [[1, 3, 8, 8], f32([]), f32([]), i64([4, 6])], { axes: [2, 3] }, { opset: 18 })[0], [1, 3, 4, 6]);
  assert.deepEqual(probeShapes('Resize', [[1, 3, 8, 4], none, none, i64([16, 16])], { axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' }, { opset: 18 })[0], [1, 3, 16, 8]);
  assert.deepEqual(probeShapes('Resize', [[1, 1, 4, 4], f32([1, 1, 2, 2])], {}, { opset: 10 })[0], [1, 1, 8, 8]);
  assert.deepEqual(probeShapes('Upsample', [[1, 2, 3, 3], f32([1, 1, 2, 3])], {}, { opset: 9 })[0], [1, 2, 6, 9]);
  assert.deepEqual(probeShapes('Upsample', [[1, 2, 3, 3]], { scales: [1, 1, 2, 2] }, { opset: 7 })[0], [1, 2, 6, 6]);
});

test('LSTM / GRU / RNN outputs', () => {
  const w = Tensor.f32([2, 64, 10]);
  const r = Tensor.f32([2, 64, 16]);
  const outs = probeShapes('LSTM', [[7, 'N', 10], w, r], { hidden_size: 16, direction: 'bidirectional' }, { outputs: 3 });
  assert.deepEqual(outs, [[7, 2, 'N', 16], [2, 'N', 16], [2, 'N', 16]]);
  const gru = probeShapes('GRU', [['N', 5, 8], Tensor.f32([1, 12, 8]), Tensor.f32([1, 12, 4])], { layout: 1 }, { outputs: 2 });
  assert.deepEqual(gru, [['N', 5, 1, 4], ['N', 1, 4]]);
  assert.deepEqual(probeShapes('RNN', [[3, 2, 8], Tensor.f32([1, 6, 8]), Tensor.f32([1, 6, 6])], { hidden_size: 6 })[0], [3, 1, 2, 6]);
  assert.throws(() => probeShapes('LSTM', [[7, 2, 9], w, r], { hidden_size: 16, direction: 'bidirectional' }), ShapeError);
});
