import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor } from '../../ir/tensor.js';
import { Rng } from '../../util/rng.js';
import { GATHER_SCATTER_MIN } from './shape-ops.js';
import { buildModel, opModel, uniform } from '../../testing/grad-models.js';
import { gradcheck } from '../../testing/gradcheck.js';

const X = [{ name: 'x', shape: [2, 3, 4] }];
const BIG = 1_000_000_000;

test('Reshape (static, and symbolic batch with a 0 dim) and Flatten', async () => {
  await gradcheck(opModel('Reshape', X, {}, { extra: (b) => [b.constInt64([4, -1])] }));
  const sym = opModel('Reshape', [{ name: 'x', shape: ['N', 3, 4] }], {}, { extra: (b) => [b.constInt64([0, 12])] });
  await gradcheck(sym, { inputs: { x: uniform([2, 3, 4], -1, 1) }, keepSymbolicShapes: true });
  await gradcheck(opModel('Flatten', X, { axis: 2 }));
});

test('Squeeze / Unsqueeze: attributes (opset 11) and inputs (opset 13)', async () => {
  const Y = [{ name: 'x', shape: [2, 1, 3] }];
  await gradcheck(opModel('Squeeze', Y, { axes: [1] }, { opset: 11 }));
  await gradcheck(opModel('Squeeze', Y, {}, { opset: 13, extra: (b) => [b.constInt64([-2])] }));
  await gradcheck(opModel('Unsqueeze', Y, { axes: [0, 4] }, { opset: 11 }));
  await gradcheck(opModel('Unsqueeze', Y, {}, { opset: 13, extra: (b) => [b.constInt64([0, 4])] }));
});

test('Transpose: explicit and default perm', async () => {
  await gradcheck(opModel('Transpose', X, { perm: [2, 0, 1] }));
  await gradcheck(opModel('Transpose', X));
});

test('Concat: three inputs on axis 1 and -1', async () => {
  const ins = [{ name: 'a', shape: [2, 3, 2] }, { name: 'b', shape: [2, 1, 2] }, { name: 'c', shape: [2, 2, 2] }];
  await gradcheck(opModel('Concat', ins, { axis: 1 }));
  const last = [{ name: 'a', shape: [2, 2] }, { name: 'b', shape: [2, 3] }];
  await gradcheck(opModel('Concat', last, { axis: -1 }));
});

test('Split: split attribute (opset 11), input (13), num_outputs (18), and an unused output', async () => {
  const Y = [{ name: 'x', shape: [2, 4, 3] }];
  await gradcheck(opModel('Split', Y, { axis: 1, split: [1, 3] }, { opset: 11, outputs: 2 }));
  await gradcheck(opModel('Split', Y, { axis: 1 }, { opset: 13, outputs: 2, extra: (b) => [b.constInt64([3, 1])] }));
  await gradcheck(opModel('Split', Y, { axis: -1, num_outputs: 3 }, { opset: 18, outputs: 3 }));
  const oneUsed = buildModel(Y, (b, [x]) => {
    const parts = b.opN('Split', [x], 3, { axis: 2 });
    return b.op('Mul', [parts[1], parts[1]]);
  }, { opset: 13 });
  await gradcheck(oneUsed);
});

test('Slice: step 1 (Pad path), mixed / negative steps (scatter path), omitted axes', async () => {
  const Y = [{ name: 'x', shape: [4, 5, 6] }];
  const slice = (starts: number[], ends: number[], axes?: number[], steps?: number[]): ReturnType<typeof opModel> =>
    opModel('Slice', Y, {}, { opset: 13, extra: (b) => [b.constInt64(starts), b.constInt64(ends), axes && b.constInt64(axes), steps && b.constInt64(steps)] });
  await gradcheck(slice([1, -3], [3, BIG], [0, -1]));
  await gradcheck(slice([1, 0], [-1, 4]));
  await gradcheck(slice([1, -1, 0], [3, -BIG, BIG], [0, 1, 2], [1, -2, 4]));
  await gradcheck(slice([5, 1], [0, 6], [2, 1], [-3, 2]));
});

test('Slice: attribute form (opset 9, float32)', async () => {
  const m = opModel('Slice', [{ name: 'x', shape: [4, 5] }], { starts: [1, 2], ends: [3, BIG], axes: [0, 1] }, { opset: 9, dtype: 'float32' });
  await gradcheck(m);
});

test('Slice with a step on a symbolic batch (run-time shapes)', async () => {
  const m = opModel('Slice', [{ name: 'x', shape: ['N', 6] }], {}, {
    opset: 13,
    extra: (b) => [b.constInt64([0]), b.constInt64([BIG]), b.constInt64([1]), b.constInt64([2])],
  });
  await gradcheck(m, { inputs: { x: uniform([3, 6], -1, 1) }, keepSymbolicShapes: true });
});

test('Pad (constant): pads input (opset 13), axes input (opset 18), attribute (opset 10)', async () => {
  await gradcheck(opModel('Pad', X, {}, { opset: 13, extra: (b) => [b.constInt64([1, 0, 2, 0, 2, 1]), b.constant(0.5, [], 'cv', 'float64')] }));
  await gradcheck(opModel('Pad', X, {}, { opset: 18, extra: (b) => [b.constInt64([2, 1]), undefined, b.constInt64([-1])] }));
  await gradcheck(opModel('Pad', X, { pads: [0, 1, 0, 0, 0, 3] }, { opset: 10, dtype: 'float32' }));
});

test('Gather: duplicates on axis 0, negative indices on axis 1, scalar index, run-time indices', async () => {
  await gradcheck(opModel('Gather', [{ name: 'x', shape: [5, 3] }], { axis: 0 }, { extra: (b) => [b.constInt64([0, 2, 4, 2], [2, 2])] }));
  await gradcheck(opModel('Gather', X, { axis: 1 }, { extra: (b) => [b.constInt64([-1, 0, 2, 0])] }));
  await gradcheck(opModel('Gather', X, { axis: 2 }, { extra: (b) => [b.constInt64([3], [])] }));
  const dyn = opModel('Gather', [...X, { name: 'i', shape: [2, 2], dtype: 'int64' }], { axis: -1 });
  await gradcheck(dyn, { inputs: { i: Tensor.i64([2, 2], [-1, 1, 1, 0]) } });
  const i32 = opModel('Gather', [...X, { name: 'i', shape: [3], dtype: 'int32' }], { axis: 0 });
  await gradcheck(i32, { inputs: { i: new Tensor('int32', [3], Int32Array.from([1, -1, 1])) } });
});

test('Gather on a symbolic batch (data [N, 5], axis 1)', async () => {
  const m = opModel('Gather', [{ name: 'x', shape: ['N', 5] }], { axis: 1 }, { extra: (b) => [b.constInt64([4, 1, 4])] });
  await gradcheck(m, { inputs: { x: uniform([3, 5], -1, 1) }, keepSymbolicShapes: true });
});

test('Expand and Tile', async () => {
  await gradcheck(opModel('Expand', [{ name: 'x', shape: [3, 1] }], {}, { extra: (b) => [b.constInt64([2, 3, 4])] }));
  await gradcheck(opModel('Expand', [{ name: 'x', shape: [2, 1, 4] }], {}, { extra: (b) => [b.constInt64([3, 1])] }));
  await gradcheck(opModel('Tile', [{ name: 'x', shape: [2, 3] }], {}, { extra: (b) => [b.constInt64([2, 3])] }));
});

test('Gather with a large one-hot (axis 0, opset 16+) accumulates through ScatterND', async () => {
  const rng = new Rng(5);
  const picks = Array.from({ length: 1000 }, () => rng.int(1100));
  assert.ok(picks.length * 1100 >= GATHER_SCATTER_MIN);
  await gradcheck(opModel('Gather', [{ name: 'x', shape: [1100, 2] }], { axis: 0 }, { extra: (b) => [b.constInt64(picks, [10, 100])] }), { maxElements: 200 });
  await gradcheck(opModel('Gather', [{ name: 'x', shape: [1100] }], { axis: 0 }, { opset: 16, extra: (b) => [b.constInt64(picks.map((p) => p - 1100), [1000])] }));
});
