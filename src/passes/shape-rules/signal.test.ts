// DFT / ScatterND shape rules against the shapes onnxruntime produces.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../ir/builder.js';
import { ShapeError } from '../../ir/errors.js';
import { Tensor } from '../../ir/tensor.js';
import type { Value } from '../../ir/value.js';
import { Session } from '../../runtime/session.js';
import { inferShapes } from '../infer-shapes.js';

interface DftCase {
  readonly x: number[];
  readonly attrs: Record<string, number>;
  readonly length?: number;
  readonly axis?: number;
  readonly opset: number;
}

const CASES: readonly DftCase[] = [
  { x: [2, 8, 1], attrs: { axis: 1 }, opset: 17 },
  { x: [2, 7, 1], attrs: { axis: 1, onesided: 1 }, opset: 17 },
  { x: [2, 5, 2], attrs: { axis: 1, inverse: 1 }, length: 8, opset: 17 },
  { x: [2, 3, 6, 2], attrs: { axis: -2 }, length: 4, opset: 17 },
  { x: [2, 3, 6, 1], attrs: { onesided: 1 }, opset: 20 },
  { x: [2, 3, 6, 2], attrs: {}, axis: 1, opset: 20 },
];

test('DFT output shapes match onnxruntime (opset 17 attribute, opset 20 input)', async () => {
  for (const c of CASES) {
    const b = new GraphBuilder('dft');
    const x = b.input('x', 'float32', c.x);
    const ins: Array<Value | undefined> = [x, c.length === undefined ? undefined : b.constInt64([c.length], [])];
    if (c.axis !== undefined) ins.push(b.constInt64([c.axis], []));
    const y = b.op('DFT', ins, c.attrs);
    b.output(y, 'y');
    const model = b.build(c.opset);
    inferShapes(model, { strict: true });
    const s = await Session.create(model, { threads: 1 });
    try {
      const r = await s.run({ x: Tensor.f32(c.x) });
      assert.deepEqual(y.shape, r.y?.dims, JSON.stringify(c));
    } finally {
      await s.release();
    }
  }
});

test('DFT rejects a last dimension other than 1 or 2; ScatterND keeps the data shape', () => {
  const b = new GraphBuilder('bad');
  b.output(b.op('DFT', [b.input('x', 'float32', [2, 8, 3])], { axis: 1 }), 'y');
  assert.throws(() => inferShapes(b.build(17)), ShapeError);
  const c = new GraphBuilder('scatter');
  const data = c.input('d', 'float32', [5, 3]);
  const out = c.op('ScatterND', [data, c.constInt64([1, 4], [2, 1]), c.input('u', 'float32', [2, 3])], { reduction: 'add' });
  c.output(out, 'y');
  inferShapes(c.build(17));
  assert.deepEqual(out.shape, [5, 3]);
});
