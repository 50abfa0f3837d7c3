import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addBackward } from '../../../autodiff/backward.js';
import { GraphBuilder } from '../../../ir/builder.js';
import { Tensor } from '../../../ir/tensor.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import { Session } from '../../../runtime/session.js';
import { expectClose } from '../../../testing/expect-close.js';
import { insertTransforms } from '../../../train/graph-edit.js';
import { addFakeQuant, fixedWeightTransform, ROUND_STE } from './fake-quant.js';
import { fracLength, integerLength, quantizeFixed, roundHalfEven } from './fixed-point.js';
import { formatsFor } from './quantize.js';

test('integer / fractional length from the range: il = ceil(log2 max) + 1', () => {
  assert.equal(integerLength(3.2), 3);
  assert.equal(integerLength(0.7), 1);
  assert.equal(fracLength(0.7, 8), 7);
  assert.equal(fracLength(100, 8), 0);
  assert.equal(fracLength(0.01, 8), 13);
  const dyn = formatsFor(new Map([['a', 0.5], ['b', 6]]), 8, true);
  assert.deepEqual(dyn, { a: { bits: 8, fl: 8 }, b: { bits: 8, fl: 4 } });
  const fixed = formatsFor(new Map([['a', 0.5], ['b', 6]]), 8, false);
  assert.deepEqual(fixed, { a: { bits: 8, fl: 4 }, b: { bits: 8, fl: 4 } });
});

test('round to nearest (ties to even) with saturation', () => {
  assert.deepEqual([roundHalfEven(2.5), roundHalfEven(-2.5), roundHalfEven(1.5), roundHalfEven(-1.5), roundHalfEven(0.4)], [2, -2, 2, -2, 0]);
  // 4 bits, fl = 2: grid 0.25, integers in [-8, 7] -> values in [-2, 1.75].
  assert.deepEqual([...quantizeFixed([0.3, 0.375, -0.1, 5, -5], { bits: 4, fl: 2 })], [0.25, 0.5, -0, 1.75, -2]);
});

test('stochastic rounding is unbiased: its mean is the value', () => {
  const x = 0.3;
  const q = quantizeFixed(new Float32Array(20000).fill(x), { bits: 8, fl: 2 }, 'stochastic', 5);
  assert.ok(q.every((v) => v === 0.25 || v === 0.5));
  const mean = q.reduce((a, v) => a + v, 0) / q.length;
  expectClose(mean, x, { atol: 0.005 });
  assert.deepEqual(quantizeFixed([x, x, x], { bits: 8, fl: 2 }, 'stochastic', 5), quantizeFixed([x, x, x], { bits: 8, fl: 2 }, 'stochastic', 5));
});

test('graph fake-quant matches quantizeFixed; 8-bit QDQ form gives the same values', async () => {
  const xs = [-3, -0.3, 0.126, 0.9, 1.2, 2.5 / 8, 7];
  for (const qdq of [false, true]) {
    const b = new GraphBuilder('fq');
    const x = b.input('x', 'float32', [xs.length]);
    b.output(addFakeQuant(b, x, { bits: 8, fl: 6 }, 'q', { qdq }), 'y');
    const s = await Session.create(b.build(), { threads: 1 });
    const y = (await s.run({ x: Tensor.f32([xs.length], xs) })).y!.toNumbers();
    await s.release();
    assert.deepEqual(y, [...quantizeFixed(xs, { bits: 8, fl: 6 })]);
  }
});

test('STE: weight and activation gradients pass inside the clip range and are zero outside', async () => {
  const b = new GraphBuilder('ste');
  const x = b.input('x', 'float32', [4]);
  const w = b.initializer('w', Tensor.f32([4], [0.1, -0.2, 3, -5]));
  // 4 bits, fl = 2: representable [-2, 1.75].
  const f = { bits: 4, fl: 2 };
  const edges = insertTransforms(b, [], undefined);
  const y = b.op('Mul', [x, w]);
  const ste = insertTransforms(b, [w], () => fixedWeightTransform(f, 'w'));
  const a = addFakeQuant(b, y, f, 'act');
  const loss = b.op('ReduceSum', [a], { keepdims: 0 });
  const m = b.build();
  inferShapes(m);
  const g = m.graph;
  const grads = addBackward(g, loss, [w, x], { opset: m.opset(), straightThrough: [...edges, ...ste], rules: new Map([['Round', ROUND_STE]]) });
  b.output(grads.get(w)!, 'dw');
  b.output(grads.get(x)!, 'dx');
  const s = await Session.create(m, { threads: 1 });
  const out = await s.run({ x: Tensor.f32([4], [1, 1, 0.25, 1]) });
  await s.release();
  // Quantized w = [0, -0.25, 1.75, -2]; y = x * wq = [0, -0.25, 0.4375, -2] (all inside) -> dy = 1.
  // dw = x where w is inside [-2, 1.75], zero for w = 3 and w = -5.
  assert.deepEqual(out.dw!.toNumbers(), [1, 1, 0, 0]);
  assert.deepEqual(out.dx!.toNumbers(), [0, -0.25, 1.75, -2]);
  // Activation STE: an input pushing y outside the range gets zero gradient.
  const s2 = await Session.create(m, { threads: 1 });
  const out2 = await s2.run({ x: Tensor.f32([4], [1, 1, 4, 2]) });
  await s2.release();
  // y = [0, -0.25, 7, -4] -> the last two are clipped: their gradient is 0.
  expectClose(out2.dx!.toNumbers(), [0, -0.25, 0, 0]);
});
