/** Cross-checks inferred shapes against what onnxruntime actually produces for single-op models. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AttributeInput } from '../ir/attributes.js';
import { GraphBuilder } from '../ir/builder.js';
import type { DType } from '../ir/dtype.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { Session } from '../runtime/session.js';
import { inferShapes } from './infer-shapes.js';

type Arg = readonly number[] | Tensor | undefined;

interface Case {
  readonly op: string;
  readonly args: readonly Arg[];
  readonly attrs?: Readonly<Record<string, AttributeInput>>;
  readonly outputs?: number;
  readonly opset?: number;
}

const i64 = (v: number[]): Tensor => Tensor.i64([v.length], v);
const f32 = (v: number[]): Tensor => Tensor.f32([v.length], v);

const CASES: readonly Case[] = [
  { op: 'Conv', args: [[1, 3, 13, 11], Tensor.f32([4, 3, 3, 3])], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 3] } },
  { op: 'Conv', args: [[1, 3, 13, 11], Tensor.f32([4, 3, 3, 3])], attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] } },
  { op: 'Conv', args: [[1, 3, 13, 11], Tensor.f32([4, 3, 3, 3])], attrs: { pads: [2, 1, 0, 1], strides: [2, 1], dilations: [2, 3] } },
  { op: 'Conv', args: [[1, 8, 9, 7], Tensor.f32([8, 2, 3, 2])], attrs: { group: 4, pads: [1, 0, 2, 1], strides: [2, 3] } },
  { op: 'ConvTranspose', args: [[1, 4, 5, 6], Tensor.f32([4, 2, 3, 3])], attrs: { strides: [2, 3], pads: [1, 0, 1, 1], output_padding: [1, 2], group: 2 } },
  { op: 'MaxPool', args: [[1, 1, 6, 7]], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 } },
  { op: 'AveragePool', args: [[1, 1, 5, 5]], attrs: { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 } },
  { op: 'MaxPool', args: [[1, 2, 10, 9]], attrs: { kernel_shape: [3, 2], dilations: [2, 2], strides: [1, 2] } },
  { op: 'Slice', args: [[10, 7], i64([-1, 6]), i64([-100, 1]), i64([0, 1]), i64([-2, -3])] },
  { op: 'Reshape', args: [[2, 3, 4], i64([0, -1, 2])] },
  { op: 'MatMul', args: [[2, 1, 3, 4], Tensor.f32([5, 4, 6])] },
  { op: 'Einsum', args: [[2, 3, 4], Tensor.f32([2, 4, 5])], attrs: { equation: 'bij,bjk->bki' } },
  { op: 'Pad', args: [[1, 3, 4, 5], i64([0, 0, 1, 2, 0, 0, 3, 0])], attrs: { mode: 'edge' } },
  { op: 'Resize', args: [[1, 2, 5, 3], undefined, f32([1, 1, 1.5, 2.5])], attrs: { mode: 'nearest' } },
  { op: 'Squeeze', args: [[3, 1, 4, 1], i64([-1])] },
  { op: 'Split', args: [[7, 4]], attrs: { num_outputs: 3 }, outputs: 3, opset: 18 },
  { op: 'LSTM', args: [[5, 2, 3], Tensor.f32([2, 16, 3]), Tensor.f32([2, 16, 4])], attrs: { hidden_size: 4, direction: 'bidirectional' }, outputs: 3 },
  { op: 'ReduceMean', args: [[2, 3, 4], i64([0, -1])], attrs: { keepdims: 0 }, opset: 18 },
  { op: 'TopK', args: [[3, 8], i64([5])], outputs: 2 },
];

function build(c: Case): { model: ReturnType<GraphBuilder['build']>; feeds: Record<string, Tensor>; outs: Value[] } {
  const b = new GraphBuilder(c.op);
  const feeds: Record<string, Tensor> = {};
  const inputs = c.args.map((a, i) => {
    if (a === undefined) return undefined;
    if (a instanceof Tensor) return b.initializer(`c${i}`, a);
    const dtype: DType = 'float32';
    feeds[`x${i}`] = Tensor.f32(a);
    return b.input(`x${i}`, dtype, a);
  });
  const outs = b.opN(c.op, inputs, c.outputs ?? 1, c.attrs ?? {});
  outs.forEach((o, k) => b.output(o, `y${k}`));
  return { model: b.build(c.opset ?? 17), feeds, outs };
}

test('inferred shapes match onnxruntime', async () => {
  for (const c of CASES) {
    const { model, feeds, outs } = build(c);
    inferShapes(model, { strict: true });
    const session = await Session.create(model, { threads: 1 });
    try {
      const result = await session.run(feeds);
      outs.forEach((o, k) => {
        assert.deepEqual(o.shape, result[`y${k}`]?.dims, `${c.op} ${JSON.stringify(c.attrs ?? {})} output ${k}`);
      });
    } finally {
      await session.release();
    }
  }
});

test('a folded Shape → Gather → Concat → Reshape chain matches onnxruntime', async () => {
  const b = new GraphBuilder('chain');
  const x = b.input('x', 'float32', ['N', 6, 2, 2]);
  const n = b.op('Gather', [b.op('Shape', [x]), b.constInt64([0], [])], { axis: 0 });
  const c = b.op('Slice', [b.op('Shape', [x]), b.constInt64([1]), b.constInt64([2])]);
  const target = b.op('Concat', [b.op('Unsqueeze', [n, b.constInt64([0])]), c, b.constInt64([-1])], { axis: 0 });
  const y = b.op('Reshape', [x, target]);
  b.output(y, 'y');
  const model = b.build();
  inferShapes(model, { strict: true });
  assert.deepEqual(y.shape, ['N', 6, 4]);
  const session = await Session.create(model, { threads: 1 });
  try {
    const result = await session.run({ x: Tensor.f32([3, 6, 2, 2]) });
    assert.deepEqual(result.y?.dims, [3, 6, 4]);
  } finally {
    await session.release();
  }
});
