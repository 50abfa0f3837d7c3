import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Split } from '../../../data/types.js';
import { GraphBuilder } from '../../../ir/builder.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { Session } from '../../../runtime/session.js';
import { Rng } from '../../../util/rng.js';
import { checkFusion } from './fusion.js';
import { quantizeInt8 } from './pipeline.js';
import { quantizeWeight } from './weights.js';

const rng = new Rng(7);
const randn = (n: number, s = 1): number[] => Array.from({ length: n }, () => rng.normal() * s);

/** Conv+BN+Relu → MaxPool → Conv(+residual Add)+Relu → GAP → Flatten → Gemm. */
function tinyNet(): Model {
  const b = new GraphBuilder('tiny');
  const x = b.input('x', 'float32', ['N', 2, 8, 8]);
  // per-channel weight magnitudes differ 100x so per-channel beats per-tensor
  const w1 = Tensor.f32([4, 2, 3, 3], randn(72).map((v, i) => v * (i < 18 ? 0.02 : 1)));
  let y = b.op('Conv', [x, b.initializer('w1', w1)], { pads: [1, 1, 1, 1] }, { name: 'conv1' });
  y = b.op('BatchNormalization', [y, b.constant(randn(4, 0.1).map((v) => 1 + v)), b.constant(randn(4, 0.1)), b.constant(randn(4, 0.1)), b.constant([1, 1.5, 0.5, 2])], { epsilon: 1e-5 }, { name: 'bn1' });
  y = b.op('Relu', [y], {}, { name: 'relu1' });
  y = b.op('MaxPool', [y], { kernel_shape: [2, 2], strides: [2, 2] }, { name: 'pool' });
  let z = b.op('Conv', [y, b.initializer('w2', Tensor.f32([4, 4, 3, 3], randn(144, 0.3))), b.constant(randn(4, 0.1))], { pads: [1, 1, 1, 1] }, { name: 'conv2' });
  z = b.op('Relu', [b.op('Add', [z, y], {}, { name: 'add' })], {}, { name: 'relu2' });
  z = b.op('Flatten', [b.op('GlobalAveragePool', [z], {}, { name: 'gap' })], { axis: 1 });
  const out = b.op('Gemm', [z, b.initializer('wf', Tensor.f32([3, 4], randn(12))), b.constant(randn(3, 0.1))], { transB: 1 }, { name: 'fc' });
  b.output(out, 'logits');
  return b.build(17);
}

function split(n: number): Split {
  return { images: Float32Array.from(randn(n * 128)), labels: new Int32Array(n), count: n, sampleShape: [2, 8, 8] };
}

async function run(model: Model, x: Tensor, level: 'disabled' | 'all' = 'all'): Promise<Float32Array> {
  const s = await Session.create(model, { optimizationLevel: level, threads: 1 });
  try {
    return ((await s.run({ x }))['logits'] as Tensor).toFloat32();
  } finally {
    await s.release();
  }
}

const data = split(64);
const xs = new Tensor('float32', [16, 2, 8, 8], data.images.slice(0, 16 * 128));

test('QOperator and QDQ run in onnxruntime, agree within one output step, and stay close to float', async () => {
  const float = tinyNet();
  const opts = { dataset: data, calibrationBatches: 2, batchSize: 32, floatOutput: false } as const;
  const qop = await quantizeInt8(float, { ...opts, format: 'qoperator' });
  const qdq = await quantizeInt8(float, { ...opts, format: 'qdq' });
  const ops = qop.model.graph.nodes.map((n) => n.opType);
  for (const op of ['QLinearConv', 'QGemm', 'QLinearAdd', 'QLinearGlobalAveragePool', 'MaxPool']) assert.ok(ops.includes(op), `${op} in ${ops.join(',')}`);
  assert.ok(!ops.includes('Relu') && !ops.includes('BatchNormalization'), ops.join(','));
  assert.equal(qop.report.foldedBatchNorms, 1);
  assert.deepEqual([...qop.report.foldedRelus].sort(), ['relu1', 'relu2']);
  assert.equal(qop.report.fusion?.fused, true);
  assert.equal(qdq.report.fusion?.fused, true);
  assert.equal(qdq.report.fusion?.floatNodes.length, 0);
  const a = await run(qop.model, xs);
  const fake = await run(qdq.model, xs, 'disabled'); // QDQ unfused = fake quantization in float
  const ref = await run(float, xs);
  const outStep = qop.model.graph.initializers.get('logits_scale')?.initializer?.toNumbers()[0] ?? NaN;
  assert.ok(outStep > 0);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs((a[i] as number) - (fake[i] as number)) <= outStep * 1.01, `element ${i}: ${a[i]} vs ${fake[i]} (step ${outStep})`);
  let maxErr = 0;
  let range = 0;
  for (let i = 0; i < a.length; i++) {
    maxErr = Math.max(maxErr, Math.abs((a[i] as number) - (ref[i] as number)));
    range = Math.max(range, Math.abs(ref[i] as number));
  }
  assert.ok(maxErr < 0.1 * range, `int8 max error ${maxErr} vs output range ${range}`);
  for (const l of qop.report.layers) assert.ok(l.sqnrDb > 15, `${l.node}: ${l.sqnrDb} dB`);
});

test('float logits: the final QGemm returns float and matches the fake-quantized model to float rounding', async () => {
  const float = tinyNet();
  const opts = { dataset: data, calibrationBatches: 2, batchSize: 32, floatOutput: true } as const;
  const qop = await quantizeInt8(float, { ...opts, format: 'qoperator' });
  const qdq = await quantizeInt8(float, { ...opts, format: 'qdq' });
  const fc = qop.model.graph.nodes.find((n) => n.opType === 'QGemm');
  assert.equal(fc?.inputs.length, 7);
  assert.equal(fc?.output().name, 'logits');
  assert.ok(!qop.model.graph.nodes.some((n) => n.opType === 'DequantizeLinear'), qop.model.graph.nodes.map((n) => n.opType).join(','));
  assert.equal(qop.report.fusion?.fused, true);
  assert.equal(qdq.report.fusion?.fused, true);
  const a = await run(qop.model, xs);
  const fake = await run(qdq.model, xs, 'disabled');
  const range = Math.max(...[...fake].map(Math.abs));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs((a[i] as number) - (fake[i] as number)) <= 1e-4 * range, `element ${i}: ${a[i]} vs ${fake[i]}`);
});

test('per-channel weights: one scale per output channel, far smaller error on a small channel', async () => {
  const w = Tensor.f32([2, 3], [0.01, -0.02, 0.015, 1, -2, 1.5]);
  const err = (axis: number | undefined): number => {
    const q = quantizeWeight(w, axis);
    const s = (c: number): number => (q.scales.length === 1 ? q.scales[0] : q.scales[c]) as number;
    return Math.max(...[0, 1, 2].map((i) => Math.abs((q.data[i] as number) * s(0) - (w.data[i] as number))));
  };
  assert.ok(err(0) * 50 < err(undefined), `per-channel ${err(0)} vs per-tensor ${err(undefined)}`);
  const float = tinyNet();
  const opts = { dataset: data, calibrationBatches: 1, batchSize: 32, checkFusion: false } as const;
  const pc = await quantizeInt8(float, { ...opts, perChannel: true });
  const pt = await quantizeInt8(float, { ...opts, perChannel: false });
  const scaleSize = (m: Model): number | undefined => m.graph.nodes.find((n) => n.opType === 'QLinearConv')?.input(4).initializer?.size;
  assert.equal(scaleSize(pc.model), 4);
  assert.equal(scaleSize(pt.model), 1);
  const y = await run(pt.model, xs);
  assert.equal(y.length, 16 * 3);
});

test('keep-float by name and by SQNR threshold', async () => {
  const float = tinyNet();
  const opts = { dataset: data, calibrationBatches: 1, batchSize: 32, format: 'qoperator' } as const;
  const r = await quantizeInt8(float, { ...opts, keepFloat: ['fc'] });
  const ops = r.model.graph.nodes.map((n) => n.opType);
  assert.ok(ops.includes('Gemm') && !ops.includes('QGemm'), ops.join(','));
  assert.deepEqual(r.report.fusion?.floatNodes.length, 1);
  const auto = await quantizeInt8(float, { ...opts, autoKeepFloatBelowDb: 1000 });
  assert.equal(auto.report.autoKeptFloat.length, 5);
  assert.ok(!auto.model.graph.nodes.some((n) => n.opType === 'QLinearConv'));
  await assert.rejects(quantizeInt8(float, { ...opts, keepFloat: ['nope'] }), /unknown node/);
});

test('fusion check flags a DequantizeLinear feeding a float Conv', async () => {
  const b = new GraphBuilder('unfused');
  const x = b.input('x', 'float32', [1, 2, 8, 8]);
  const wq = b.initializer('wq', new Tensor('int8', [4, 2, 3, 3], Int8Array.from(randn(72, 40).map(Math.round))));
  const w = b.op('DequantizeLinear', [wq, b.constant(0.01), b.initializer('zp', new Tensor('int8', []))]);
  b.output(b.op('Conv', [x, w], {}, { name: 'conv' }), 'y');
  const bad = await checkFusion(b.build(17));
  assert.equal(bad.fused, false);
  assert.equal(bad.unfused.length, 1);
});
