import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../../ir/errors.js';
import { Tensor } from '../../ir/tensor.js';
import { probeOp, probeShapes } from './probe.js';

const i64 = (v: Array<number | bigint>): Tensor => Tensor.i64([v.length], v);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

test('Reshape: 0 copies, -1 infers (symbols cancel), allowzero, element-count check', () => {
  assert.deepEqual(probeShapes('Reshape', [[2, 3, 4], i64([0, -1])])[0], [2, 12]);
  assert.deepEqual(probeShapes('Reshape', [['N', 3, 4], i64([0, -1])])[0], ['N', 12]);
  assert.deepEqual(probeShapes('Reshape', [['N', 3, 4], i64([-1, 4])])[0], [null, 4]);
  assert.deepEqual(probeShapes('Reshape', [['N', 12], i64([-1, 3, 4])])[0], ['N', 3, 4]);
  assert.deepEqual(probeShapes('Reshape', [[0, 4], i64([0, 4])], { allowzero: 1 })[0], [0, 4]);
  assert.deepEqual(probeShapes('Reshape', [[2, 4, 3], i64([3, 0, -1])])[0], [3, 4, 2]);
  assert.throws(() => probeShapes('Reshape', [[2, 3, 4], i64([5, -1])]), ShapeError);
  assert.throws(() => probeShapes('Reshape', [[2, 3, 4], i64([5, 5])]), /24 elements/);
  assert.deepEqual(probeShapes('Reshape', [[2, 3, 4]], { shape: [6, -1] }, { opset: 4 })[0], [6, 4]);
});

test('Flatten and Transpose', () => {
  assert.deepEqual(probeShapes('Flatten', [['N', 50, 4, 4]])[0], ['N', 800]);
  assert.deepEqual(probeShapes('Flatten', [['N', 50, 4, 4]], { axis: 0 })[0], [1, null]);
  assert.deepEqual(probeShapes('Flatten', [[2, 3, 4]], { axis: -1 })[0], [6, 4]);
  assert.deepEqual(probeShapes('Transpose', [['N', 3, 4, 5]], { perm: [0, 2, 3, 1] })[0], ['N', 4, 5, 3]);
  assert.deepEqual(probeShapes('Transpose', [[2, 3, 4]])[0], [4, 3, 2]);
  assert.throws(() => probeShapes('Transpose', [[2, 3]], { perm: [0, 0] }), ShapeError);
});

test('Concat along a negative axis; mismatched other dims are an error', () => {
  assert.deepEqual(probeShapes('Concat', [['N', 3, 4], ['N', 5, 4]], { axis: -2 })[0], ['N', 8, 4]);
  assert.deepEqual(probeShapes('Concat', [['N', 3], ['M', 3]], { axis: 0 })[0], [null, 3]);
  assert.throws(() => probeShapes('Concat', [[2, 3], [2, 4]], { axis: 0 }), ShapeError);
});

test('Split: attribute (opset < 13), input (>= 13), even split, num_outputs (18)', () => {
  assert.deepEqual(probeShapes('Split', [[6, 4]], { split: [2, 4] }, { opset: 11, outputs: 2 }), [[2, 4], [4, 4]]);
  assert.deepEqual(probeShapes('Split', [[4, 6], i64([1, 5])], { axis: 1 }, { opset: 13, outputs: 2 }), [[4, 1], [4, 5]]);
  assert.deepEqual(probeShapes('Split', [[6, 'N']], {}, { outputs: 3 }), [[2, 'N'], [2, 'N'], [2, 'N']]);
  assert.deepEqual(probeShapes('Split', [[10]], { num_outputs: 4 }, { opset: 18, outputs: 4 }), [[3], [3], [3], [1]]);
  assert.throws(() => probeShapes('Split', [[10]], {}, { opset: 13, outputs: 4 }), ShapeError);
  assert.throws(() => probeShapes('Split', [[6], i64([2, 2])], {}, { opset: 13, outputs: 2 }), ShapeError);
});

test('Slice: opset 1 attributes, opset 10+ inputs, negative indices and steps, clamping', () => {
  assert.deepEqual(probeShapes('Slice', [[10, 20]], { starts: [1], ends: [-1], axes: [0] }, { opset: 9 })[0], [8, 20]);
  // rows 9, 7, 5, 3, 1
  assert.deepEqual(probeShapes('Slice', [[10, 20], i64([-1]), i64([INT64_MIN]), i64([0]), i64([-2])])[0], [5, 20]);
  assert.deepEqual(probeShapes('Slice', [[10, 20], i64([2]), i64([1000]), i64([-1]), i64([3])])[0], [10, 6]);
  assert.deepEqual(probeShapes('Slice', [[10, 20], i64([5]), i64([2])])[0], [0, 20]);
  assert.deepEqual(probeShapes('Slice', [['N', 20], i64([0]), i64([INT64_MAX]), i64([0])])[0], ['N', 20]);
  assert.deepEqual(probeShapes('Slice', [['N', 20], i64([1]), i64([INT64_MAX]), i64([0])])[0], [null, 20]);
  assert.deepEqual(probeShapes('Slice', [[4, 4], i64([3]), i64([-5]), i64([1]), i64([-1])])[0], [4, 4]);
  assert.throws(() => probeShapes('Slice', [[4], i64([0]), i64([4]), i64([0]), i64([0])]), ShapeError);
});

test('Squeeze / Unsqueeze: attribute axes before opset 13, input axes from 13', () => {
  assert.deepEqual(probeShapes('Squeeze', [[3, 1, 4]], { axes: [1] }, { opset: 11 })[0], [3, 4]);
  assert.deepEqual(probeShapes('Squeeze', [[3, 1, 4, 1], i64([-1])], {}, { opset: 13 })[0], [3, 1, 4]);
  assert.deepEqual(probeShapes('Squeeze', [[1, 'N', 1]])[0], ['N']);
  assert.throws(() => probeShapes('Squeeze', [[3, 2], i64([1])]), /size 2 is not 1/);
  assert.deepEqual(probeShapes('Unsqueeze', [[3, 4]], { axes: [0, 3] }, { opset: 11 })[0], [1, 3, 4, 1]);
  assert.deepEqual(probeShapes('Unsqueeze', [['N', 4], i64([0, -1])], {}, { opset: 13 })[0], [1, 'N', 4, 1]);
});

test('Pad (attribute and input forms), Gather, Expand, Tile', () => {
  assert.deepEqual(probeShapes('Pad', [[1, 3, 4, 5], i64([0, 0, 1, 2, 0, 0, 3, 4])], { mode: 'reflect' })[0], [1, 3, 8, 11]);
  assert.deepEqual(probeShapes('Pad', [['N', 3, 4, 5]], { pads: [0, 0, 1, 1, 0, 0, 1, 1] }, { opset: 2 })[0], ['N', 3, 6, 7]);
  assert.deepEqual(probeShapes('Pad', [[2, 4, 5], i64([1, 1]), undefined, i64([-1])], {}, { opset: 18 })[0], [2, 4, 7]);
  const idx = { shape: [2, 3], dtype: 'int64' as const };
  assert.deepEqual(probeShapes('Gather', [[5, 6, 7], idx], { axis: 1 })[0], [5, 2, 3, 7]);
  assert.deepEqual(probeShapes('Gather', [[5, 6], Tensor.i64([], [1])])[0], [6]);
  assert.deepEqual(probeShapes('Expand', [[3, 1], i64([2, 1, 4])])[0], [2, 3, 4]);
  assert.throws(() => probeShapes('Expand', [[3, 2], i64([4, 4])]), ShapeError);
  assert.deepEqual(probeShapes('Tile', [['N', 3], i64([1, 2])])[0], ['N', 6]);
});

test('Shape, Size, ConstantOfShape, Constant, Range', () => {
  const [s] = probeOp('Shape', [['N', 3, 4]]);
  assert.deepEqual(s?.shape, [3]);
  assert.deepEqual(s?.value, ['N', 3, 4]);
  assert.deepEqual(probeOp('Shape', [['N', 3, 4]], { start: -2 }, { opset: 15 })[0]?.value, [3, 4]);
  assert.deepEqual(probeOp('Size', [[2, 3, 4]])[0]?.value, [24]);
  const [c] = probeOp('ConstantOfShape', [i64([2, 3])], { value: Tensor.i64([1], [7]) });
  assert.deepEqual(c?.shape, [2, 3]);
  assert.equal(c?.dtype, 'int64');
  const [k] = probeOp('Constant', [], { value: Tensor.f32([2, 2], [1, 2, 3, 4]) });
  assert.deepEqual(k?.shape, [2, 2]);
  assert.deepEqual(probeOp('Constant', [], { value_ints: [1, 2, 3] })[0]?.shape, [3]);
  assert.deepEqual(probeShapes('Range', [Tensor.i64([], [1]), Tensor.i64([], [10]), Tensor.i64([], [3])])[0], [3]);
});
