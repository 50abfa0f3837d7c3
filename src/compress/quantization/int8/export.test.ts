import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Split } from '../../../data/types.js';
import { GraphBuilder } from '../../../ir/builder.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import { dotU8S8, saturationFree, type KernelArithmetic } from '../../../runtime/int8-arithmetic.js';
import { probeInt8Kernels } from '../../../runtime/int8-kernels.js';
import { Session } from '../../../runtime/session.js';
import { Rng } from '../../../util/rng.js';
import { checkFusion } from './fusion.js';
import { quantizeInt8 } from './pipeline.js';
import { quantizeWeight, weightQmax } from './weights.js';

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
  // fc: adjacent weights (k = 0,1 and 2,3) of one sign and similar size, so that full-range int8 pairs of
  // products exceed int16 (what x86 kernels without VNNI saturate; see runtime/int8-arithmetic.ts).
  const pattern = [1, 0.9, -0.8, -1, -1, -0.85, 0.9, 1, 0.7, 1, 1, 0.8];
  const wf = Tensor.f32([3, 4], randn(12).map((v, i) => pattern[i]! + 0.05 * v));
  const out = b.op('Gemm', [z, b.initializer('wf', wf), b.constant(randn(3, 0.1))], { transB: 1 }, { name: 'fc' });
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

test('QOperator and QDQ run in onnxruntime, agree within one output step (reduce-range auto), near float', async () => {
  const float = tinyNet();
  // auto: 7-bit weights where this machine's kernels saturate, so the integer model is exact on every CPU.
  const opts = {
    dataset: data, calibrationBatches: 2, batchSize: 32, floatOutput: false, reduceRange: 'auto',
  } as const;
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

interface QGemmCase {
  /** uint8 A [M, K], scale, zero point; int8 B [N, K] (transB = 1), per-channel scales [N]; int32 bias [N]. */
  readonly a: ArrayLike<number>;
  readonly sa: number;
  readonly za: number;
  readonly w: ArrayLike<number>;
  readonly sw: ArrayLike<number>;
  readonly bias: ArrayLike<number>;
  readonly k: number;
}

/**
 * The float-output QGemm in float64 from its integers, under one kernel arithmetic, and a float32 rounding bound
 * per element: onnxruntime (or the float QDQ graph) rounds a handful of float32 products and sums, each off by at
 * most 2^-24 of the magnitudes involved; 2^-20 · sa · sw · (Σ|a − za|·|w| + |bias|) leaves a 16× margin and
 * is still far below the effect of one activation step (sa · sw · |w|).
 */
function qgemmReference(c: QGemmCase, arithmetic: KernelArithmetic): { y: number[]; tol: number[] } {
  const n = c.bias.length;
  const m = c.a.length / c.k;
  const y: number[] = [];
  const tol: number[] = [];
  for (let r = 0; r < m; r++) {
    const a = Array.from(c.a).slice(r * c.k, r * c.k + c.k);
    for (let j = 0; j < n; j++) {
      const w = Array.from(c.w).slice(j * c.k, j * c.k + c.k);
      const colSum = w.reduce((s, v) => s + v, 0);
      const acc = dotU8S8(a, w, arithmetic) - c.za * colSum + (c.bias[j] as number);
      const scale = c.sa * (c.sw[j] as number);
      y.push(scale * acc);
      const mag = a.reduce((s, v, i) => s + Math.abs(v - c.za) * Math.abs(w[i] as number), 0);
      tol.push(2 ** -20 * scale * (mag + Math.abs(c.bias[j] as number)));
    }
  }
  return { y, tol };
}

/** Runs the model with `extra` (an intermediate value) added as a graph output: [logits, extra]. */
async function runWith(model: Model, extra: Value, level: 'disabled' | 'all'): Promise<[Float32Array, number[]]> {
  model.graph.addOutput(extra);
  const s = await Session.create(model, { optimizationLevel: level, threads: 1 });
  try {
    const out = await s.run({ x: xs });
    return [(out['logits'] as Tensor).toFloat32(), (out[extra.name] as Tensor).toNumbers()];
  } finally {
    await s.release();
    model.graph.outputs.pop();
  }
}

const numbers = (v: Value | undefined): number[] => v?.initializer?.toNumbers() ?? [];

test('float logits: the final QGemm returns float and equals its integer arithmetic, on every CPU', async () => {
  const probe = await probeInt8Kernels();
  assert.notEqual(probe.fullRange, 'unknown', JSON.stringify(probe));
  for (const reduceRange of ['on', 'off'] as const) {
    const float = tinyNet();
    const opts = { dataset: data, calibrationBatches: 2, batchSize: 32, floatOutput: true, reduceRange } as const;
    const qop = await quantizeInt8(float, { ...opts, format: 'qoperator' });
    const qdq = await quantizeInt8(float, { ...opts, format: 'qdq' });
    const bits = reduceRange === 'on' ? 7 : 8;
    assert.equal(qop.report.weights.bits, bits);
    const fc = qop.model.graph.nodes.find((n) => n.opType === 'QGemm');
    assert.equal(fc?.inputs.length, 7);
    assert.equal(fc?.output().name, 'logits');
    assert.equal(fc?.attributes.get('transB')?.value, 1);
    const ops = qop.model.graph.nodes.map((n) => n.opType);
    assert.ok(!ops.includes('DequantizeLinear'), ops.join(','));
    assert.equal(qop.report.fusion?.fused, true);
    assert.equal(qdq.report.fusion?.fused, true);
    const w = numbers(fc.input(3));
    const wmax = Math.max(...w.map(Math.abs));
    assert.equal(wmax, weightQmax(bits), `weights use the whole ${bits}-bit range`);
    const [got, aq] = await runWith(qop.model, fc.input(0), 'all');
    const gemm = qdq.model.graph.nodes.find((n) => n.name === 'fc');
    const qdqA = gemm?.input(0).producer?.input(0);
    assert.ok(qdqA !== undefined && qdqA.dtype === 'uint8', 'QDQ: fc reads a DequantizeLinear of uint8');
    const [fake, af] = await runWith(qdq.model, qdqA, 'disabled'); // unfused QDQ = fake quantization in float
    const [sa, za] = [numbers(fc.input(1))[0] as number, numbers(fc.input(2))[0] as number];
    const [sw, bias] = [numbers(fc.input(4)), numbers(fc.input(6))];
    const c = (a: number[]): QGemmCase => ({ a, k: 4, sa, za, w, sw, bias });
    // With 7-bit weights no pair of products leaves int16: both arithmetics are the same numbers.
    const arithmetic = saturationFree(wmax) ? 'exact' : probe.fullRange as KernelArithmetic;
    const exact = qgemmReference(c(aq), 'exact');
    const saturated = qgemmReference(c(aq), 'pairwise-saturating');
    const apart = exact.y.filter((v, i) => Math.abs(v - (saturated.y[i] as number)) > 100 * (exact.tol[i] as number));
    if (bits === 7) assert.equal(apart.length, 0);
    else assert.ok(apart.length > 0, `the data must tell both arithmetics apart: a ${aq.join(',')} w ${w.join(',')}`);
    const want = arithmetic === 'exact' ? exact : saturated;
    for (let i = 0; i < got.length; i++) {
      const d = Math.abs((got[i] as number) - (want.y[i] as number));
      const what = `${bits}-bit, ${arithmetic}: element ${i}: ${got[i]} vs ${want.y[i]} (tolerance ${want.tol[i]})`;
      assert.ok(d <= (want.tol[i] as number), what);
    }
    // The fake-quantized model computes the same layer in float from its own uint8 input.
    const ref = qgemmReference(c(af), 'exact');
    for (let i = 0; i < fake.length; i++) {
      const d = Math.abs((fake[i] as number) - (ref.y[i] as number));
      assert.ok(d <= (ref.tol[i] as number), `QDQ element ${i}: ${fake[i]} vs ${ref.y[i]}`);
    }
    // Where the integer model is computed exactly, its uint8 input differs from the fake-quantized one by at
    // most one step (a requantization rounding a near-tie the other way); saturation has no such bound.
    if (arithmetic === 'exact') {
      const steps = Math.max(...aq.map((v, i) => Math.abs(v - (af[i] as number))));
      assert.ok(steps <= 1, `${bits}-bit: QGemm inputs of QOperator and QDQ differ by ${steps} steps`);
    }
  }
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
  assert.deepEqual([pc.report.weights.reduceRange, pc.report.weights.bits], ['on', 7]); // the default
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
