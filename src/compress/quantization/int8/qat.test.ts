import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addBackward } from '../../../autodiff/backward.js';
import type { Dataset } from '../../../data/types.js';
import { GraphBuilder } from '../../../ir/builder.js';
import { Tensor } from '../../../ir/tensor.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import { Session } from '../../../runtime/session.js';
import { expectClose } from '../../../testing/expect-close.js';
import { TransformRecorder } from '../../../train/transforms.js';
import { Rng } from '../../../util/rng.js';
import { ROUND_STE } from '../fixed/fake-quant.js';
import { quantizeInt8 } from './pipeline.js';
import { addActivationFakeQuant, int8WeightTransform } from './qat.js';
import { quantizeWeight } from './weights.js';

test('activation fake quant: STE gradient for x (zero outside the clip range) and the LSQ scale gradient', async () => {
  const b = new GraphBuilder('lsq');
  const x = b.input('x', 'float32', [4]);
  const s = b.input('s', 'float32', []);
  // uint8 with zero point 10: representable x in [-1.0, 24.5] at s = 0.1.
  const y = addActivationFakeQuant(b, x, s, { scale: 0.1, zeroPoint: 10, type: 'uint8' }, 'fq');
  const loss = b.op('ReduceSum', [b.op('Mul', [y, b.constant([1, 2, 3, 4], [4])])], { keepdims: 0 });
  const m = b.build(17);
  inferShapes(m);
  const grads = addBackward(m.graph, loss, [x, s], { opset: 17, rules: new Map([['Round', ROUND_STE]]) });
  b.output(y, 'y');
  b.output(grads.get(x)!, 'dx');
  b.output(grads.get(s)!, 'ds');
  const session = await Session.create(m, { threads: 1 });
  const out = await session.run({ x: Tensor.f32([4], [-2, 0.26, 0.5, 30]), s: Tensor.scalar(0.1) });
  await session.release();
  expectClose(out.y!.toNumbers(), [-1, 0.3, 0.5, 24.5], { rtol: 1e-6 });
  assert.deepEqual(out.dx!.toNumbers(), [0, 2, 3, 0]);
  // LSQ: inside round(x/s) - x/s (0.26 -> 3 - 2.6 = 0.4; 0.5 -> 0); below qmin - z = -10; above qmax - z = 245.
  expectClose(out.ds!.toNumbers()[0]!, 1 * -10 + 2 * 0.4 + 3 * 0 + 4 * 245, { rtol: 1e-5 });
});

test('int8 weight fake quant equals the exporter\'s weights (both reduce forms, 8 and 7 bits)', async () => {
  const rng = new Rng(3);
  const shapes = [[[3, 2, 2, 2], 0, 17], [[4, 3], 1, 18], [[4, 3], undefined, 13]] as const;
  for (const bits of [8, 7] as const) for (const [dims, axis, opset] of shapes) {
    const size = dims.reduce((a: number, d) => a * d, 1);
    const w = Tensor.f32([...dims], Array.from({ length: size }, (_, i) => rng.normal() * (i % 3 === 0 ? 5 : 0.1)));
    const b = new GraphBuilder('wq');
    const wv = b.input('w', 'float32', [...dims]);
    const t = int8WeightTransform(dims.length, axis, opset, 'w', bits);
    b.output(t.forward(b, wv, new TransformRecorder(b, false)), 'y');
    const session = await Session.create(b.build(opset), { threads: 1 });
    const y = (await session.run({ w })).y!.toFloat32();
    await session.release();
    const q = quantizeWeight(w, axis, bits);
    const inner = axis === undefined ? size : dims.slice(axis + 1).reduce((a: number, d) => a * d, 1);
    const expected = Array.from(q.data, (v, i) => v * q.scales[axis === undefined ? 0 : Math.floor(i / inner) % dims[axis]!]!);
    const what = `${bits} bits, dims [${dims.join(',')}] axis ${String(axis)}`;
    expectClose([...y], expected, { rtol: 1e-6, atol: 1e-7, what });
  }
});

test('quantizeInt8 with QAT and learned scales trains, moves the scales and exports a fused QOperator model', async () => {
  const rng = new Rng(11);
  const n = 128;
  const images = Float32Array.from({ length: n * 36 }, () => rng.normal());
  const labels = new Int32Array(n).map((_, i) => (images.subarray(i * 36, i * 36 + 18).reduce((a, v) => a + v, 0) > 0 ? 1 : 0));
  const split = { images, labels, count: n, sampleShape: [1, 6, 6] };
  const data: Dataset = { name: 'toy', numClasses: 2, train: split, test: split };
  const b = new GraphBuilder('toy');
  const x = b.input('x', 'float32', ['N', 1, 6, 6]);
  let y = b.op('Conv', [x, b.initializer('w1', Tensor.f32([4, 1, 3, 3], Array.from({ length: 36 }, () => rng.normal() * 0.5))), b.constant([0, 0, 0, 0])], { pads: [1, 1, 1, 1] }, { name: 'conv' });
  y = b.op('Flatten', [b.op('GlobalAveragePool', [b.op('Relu', [y], {}, { name: 'relu' })], {}, { name: 'gap' })], { axis: 1 });
  b.output(b.op('Gemm', [y, b.initializer('wf', Tensor.f32([2, 4], Array.from({ length: 8 }, () => rng.normal()))), b.constant([0, 0])], { transB: 1 }, { name: 'fc' }), 'logits');
  const model = b.build(17);
  const r = await quantizeInt8(model, {
    dataset: split, calibrationBatches: 2, batchSize: 64,
    qat: { dataset: data, epochs: 2, lr: 0.01, batchSize: 16, learnScales: true, inProcess: true, threads: 1 },
  });
  const qat = r.report.qat!;
  assert.equal(qat.history.length, 2);
  assert.ok(qat.history.every((h) => Number.isFinite(h.trainLoss)));
  const learned = qat.scales.filter((s) => s.name !== 'x');
  assert.ok(learned.length >= 2, JSON.stringify(qat.scales));
  assert.ok(learned.some((s) => Math.abs(s.after - s.before) > 1e-4 * s.before), JSON.stringify(learned));
  assert.equal(qat.scales.find((s) => s.name === 'x')?.after, qat.scales.find((s) => s.name === 'x')?.before);
  assert.equal(r.report.fusion?.fused, true);
  assert.ok(r.model.graph.nodes.some((n) => n.opType === 'QLinearConv'));
  // The exported activation scales are the trained ones (the logits stay float: QGemm with float output).
  assert.equal(qat.scales.find((s) => s.name === 'logits'), undefined);
  const conv = r.model.graph.nodes.find((n) => n.opType === 'QLinearConv')!;
  expectClose(conv.input(6).initializer!.toNumbers()[0]!, qat.scales.find((s) => s.name === conv.output().name.replace(/_quantized$/, ''))!.after, { rtol: 1e-5 });
});
