import { test } from 'node:test';
import { opModel, uniform } from '../../testing/grad-models.js';
import { Tensor } from '../../ir/tensor.js';
import { expectGradient, gradcheck } from '../../testing/gradcheck.js';

const X = [{ name: 'x', shape: [2, 3, 4] }];

/** ReduceX over `axes`, as an attribute before `inputFrom` and as an input from it. */
function reduceModel(op: string, axes: number[] | undefined, keepdims: number, opset: number, inputFrom: number): ReturnType<typeof opModel> {
  if (opset >= inputFrom) {
    return opModel(op, X, { keepdims }, { opset, extra: (b) => (axes === undefined ? [] : [b.constInt64(axes)]) });
  }
  return opModel(op, X, axes === undefined ? { keepdims } : { axes, keepdims }, { opset });
}

const forms: ReadonlyArray<[string, number, number]> = [
  ['ReduceSum', 11, 13], ['ReduceSum', 13, 13], ['ReduceMean', 17, 18], ['ReduceMean', 18, 18], ['ReduceSumSquare', 13, 18], ['ReduceSumSquare', 18, 18],
  ['ReduceMax', 17, 18], ['ReduceMax', 18, 18], ['ReduceMin', 17, 18],
];
for (const [op, opset, inputFrom] of forms) {
  test(`${op} at opset ${opset}: axes [1], [0,-1], all; keepdims 0 and 1`, async () => {
    for (const keepdims of [0, 1]) {
      await gradcheck(reduceModel(op, [1], keepdims, opset, inputFrom));
      await gradcheck(reduceModel(op, [0, -1], keepdims, opset, inputFrom));
      await gradcheck(reduceModel(op, undefined, keepdims, opset, inputFrom));
    }
  });
}

test('ReduceSum with empty axes and noop_with_empty_axes=1 is the identity', async () => {
  await gradcheck(opModel('ReduceSum', X, { noop_with_empty_axes: 1 }, { opset: 13, extra: (b) => [b.constInt64([])] }));
});

test('ReduceMean / ReduceSum over a symbolic batch axis (run-time counts and shapes)', async () => {
  const sym = [{ name: 'x', shape: ['N', 3, 4] }];
  const x = uniform([2, 3, 4], -1, 1);
  await gradcheck(opModel('ReduceMean', sym, { axes: [0, 2], keepdims: 0 }, { opset: 17 }), { inputs: { x }, keepSymbolicShapes: true });
  await gradcheck(opModel('ReduceMean', sym, { keepdims: 1 }, { opset: 17 }), { inputs: { x }, keepSymbolicShapes: true });
  await gradcheck(opModel('ReduceSum', sym, { keepdims: 0 }, { opset: 13, extra: (b) => [b.constInt64([1])] }), { inputs: { x }, keepSymbolicShapes: true });
});

test('ReduceMax splits the gradient evenly among tied maxima', async () => {
  const x = Tensor.f64([3, 4], [1, 3, 3, 0, 2, 2, -1, 2, 5, 5, 5, 4]);
  const model = opModel('ReduceMax', [{ name: 'x', shape: [3, 4] }], { axes: [1], keepdims: 0 }, { opset: 17, dtype: 'float64' });
  const t = 1 / 3;
  await expectGradient(model, 'x', [0, 0.5, 0.5, 0, t, t, 0, t, t, t, t, 0], { inputs: { x } });
});
