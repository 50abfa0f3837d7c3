/**
 * The backward nodes must be valid at the model's opset: one chain through the opset-sensitive ops
 * (axes attributes vs inputs, Split forms, Clip bounds), gradient-checked at every opset from 11 to 21.
 */
import { test } from 'node:test';
import type { GraphBuilder } from '../../ir/builder.js';
import type { Value } from '../../ir/value.js';
import { awayFrom, buildModel } from '../../testing/grad-models.js';
import { gradcheck } from '../../testing/gradcheck.js';

function axesArg(b: GraphBuilder, op: string, x: Value, axes: number[], inputFrom: number, opset: number, attrs: Record<string, number> = {}): Value {
  return opset >= inputFrom ? b.op(op, [x, b.constInt64(axes)], attrs) : b.op(op, [x], { ...attrs, axes });
}

function chain(b: GraphBuilder, x: Value, w: Value, opset: number): Value[] {
  const i64 = (v: number[]): Value => b.constInt64(v);
  const strided = b.op('Slice', [x, i64([3]), i64([-1000]), i64([2]), i64([-2])]); // [2,3,2]
  const padded = b.op('Pad', [strided, i64([0, 1, 0, 0, 0, 2])]); // [2,4,4]
  const lo = b.constant(-1, [], 'lo');
  const hi = b.constant(1.5, [], 'hi');
  const clipped = b.op('Clip', [b.op('Mul', [padded, w]), lo, hi]);
  const wide = axesArg(b, 'Unsqueeze', clipped, [1], 13, opset); // [2,1,4,4]
  const summed = axesArg(b, 'ReduceSum', wide, [1, 3], 13, opset, { keepdims: 0 }); // [2,4]
  const mean = axesArg(b, 'ReduceMean', clipped, [2], 18, opset, { keepdims: 1 }); // [2,4,1]
  const flat = axesArg(b, 'Squeeze', mean, [2], 13, opset); // [2,4]
  const parts = opset >= 13
    ? b.opN('Split', [b.op('Add', [summed, flat]), i64([1, 3])], 2, { axis: 1 })
    : b.opN('Split', [b.op('Add', [summed, flat])], 2, { axis: 1, split: [1, 3] });
  const picked = b.op('Gather', [parts[1] as Value, i64([2, 0, 2])], { axis: 1 });
  const soft = b.op('LogSoftmax', [b.op('Concat', [parts[0] as Value, picked], { axis: 1 })], { axis: -1 });
  const act = b.op('Sigmoid', [b.op('Tanh', [soft])]);
  return [act, b.op('Expand', [b.op('Transpose', [x], { perm: [2, 0, 1] }), i64([2, 4, 2, 3])])];
}

for (const opset of [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]) {
  test(`backward of an opset-sensitive chain is valid and correct at opset ${opset}`, async () => {
    const m = buildModel([{ name: 'x', shape: [2, 3, 4] }, { name: 'w', shape: [4] }], (b, [x, w]) => chain(b, x as Value, w as Value, opset), { opset, dtype: 'float32' });
    // keep Mul(x, w) away from the clip bounds, where the finite difference would straddle a kink
    await gradcheck(m, { inputs: { x: awayFrom([2, 3, 4], [-1, 0, 1.5], 0.15, opset, 'float32'), w: awayFrom([4], [], 0, 1, 'float32').reshape([4]) }, maxElements: 24 });
  });
}
