import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../ir/builder.js';
import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { Session } from '../runtime/session.js';
import { expectClose } from '../testing/expect-close.js';
import type { OptimizerSpec } from './optimizer.js';
import { bnScaleL1Term, groupLassoTerm, isLayerWeight, l1Term, l2Term, type LossTerm } from './regularizers.js';
import { buildZooModel, zooModelNames } from '../zoo/index.js';
import { buildTrainingGraph, type TrainingGraphInfo } from './training-graph.js';

const X = [0.5, -1, 2, 1.5, 0.25, -0.5];  // N=2, D=3
const Y = [2, 0];
const W = [0.1, -0.2, 0.3, 0.05, 0.4, -0.1, -0.3, 0.2, 0.15];  // [C=3, D=3]
const B = [0.01, -0.02, 0.03];

function gemmModel(): Model {
  const b = new GraphBuilder('tiny');
  const x = b.input('input', 'float32', ['N', 3]);
  const w = b.initializer('fc.weight', Tensor.f32([3, 3], W));
  const bias = b.initializer('fc.bias', Tensor.f32([3], B));
  b.output(b.op('Gemm', [x, w, bias], { transB: 1 }), 'logits');
  return b.build(17);
}

/** float64 reference gradient of mean softmax cross-entropy for logits = x Wᵀ + b. */
function referenceGrads(w: readonly number[]): { dW: number[]; dB: number[]; loss: number } {
  const dW = new Array<number>(9).fill(0);
  const dB = new Array<number>(3).fill(0);
  let loss = 0;
  for (let n = 0; n < 2; n++) {
    const z = [0, 1, 2].map((c) => B[c]! + [0, 1, 2].reduce((s, d) => s + X[n * 3 + d]! * w[c * 3 + d]!, 0));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((a, v) => a + v, 0);
    loss -= Math.log(e[Y[n]!]! / sum) / 2;
    for (let c = 0; c < 3; c++) {
      const d = (e[c]! / sum - (c === Y[n] ? 1 : 0)) / 2;
      dB[c] = dB[c]! + d;
      for (let k = 0; k < 3; k++) dW[c * 3 + k] = dW[c * 3 + k]! + d * X[n * 3 + k]!;
    }
  }
  return { dW, dB, loss };
}

async function oneStep(info: TrainingGraphInfo, model: Model, scalars: Record<string, number>, extra: Record<string, Tensor> = {}): Promise<Record<string, Tensor>> {
  const s = await Session.create(model, { threads: 1 });
  const feeds: Record<string, Tensor> = {
    input: Tensor.f32([2, 3], X), labels: Tensor.i64([2], Y),
    'fc.weight': Tensor.f32([3, 3], W), 'fc.bias': Tensor.f32([3], B), ...extra,
  };
  for (const [k, v] of Object.entries(scalars)) feeds[k] = Tensor.scalar(v);
  for (const p of info.params) for (const st of p.state) feeds[st.input] ??= Tensor.f32(p.dims);
  const out = await s.run(feeds);
  await s.release();
  return out;
}

test('SGD with momentum and weight decay matches a hand-computed step', async () => {
  const opt: OptimizerSpec = { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 0.1 };
  const { model, info } = buildTrainingGraph(gemmModel(), { optimizer: opt });
  assert.deepEqual(info.params.map((p) => p.name), ['fc.weight', 'fc.bias']);
  const v0 = Tensor.f32([3, 3], new Array<number>(9).fill(0.5));
  const out = await oneStep(info, model, { lr: 0.1 }, { 'fc.weight__momentum': v0 });
  const ref = referenceGrads(W);
  expectClose(out.loss?.data as Float32Array, [ref.loss], { rtol: 1e-5 });
  const wSlot = info.params[0]!;
  const g = W.map((w, i) => ref.dW[i]! + 0.1 * w);
  const v = g.map((gi) => 0.9 * 0.5 + gi);
  expectClose(out[wSlot.state[0]!.output]?.data as Float32Array, v, { rtol: 1e-5, atol: 1e-6 });
  expectClose(out[wSlot.output]?.data as Float32Array, W.map((w, i) => w - 0.1 * (g[i]! + 0.9 * v[i]!)), { rtol: 1e-5, atol: 1e-6 });
  const gb = B.map((b, i) => ref.dB[i]! + 0.1 * b);
  expectClose(out[info.params[1]!.output]?.data as Float32Array, B.map((b, i) => b - 0.1 * (gb[i]! + 0.9 * gb[i]!)), { rtol: 1e-5, atol: 1e-6 });
});

test('Adam and AdamW match a hand-computed first step', async () => {
  for (const kind of ['adam', 'adamw'] as const) {
    const opt: OptimizerSpec = { kind, weightDecay: 0.05 };
    const { model, info } = buildTrainingGraph(gemmModel(), { optimizer: opt });
    const c1 = 1 / (1 - 0.9);
    const c2 = 1 / Math.sqrt(1 - 0.999);
    const out = await oneStep(info, model, { lr: 0.01, adam_c1: c1, adam_c2: c2 });
    const ref = referenceGrads(W);
    const g = kind === 'adam' ? W.map((w, i) => ref.dW[i]! + 0.05 * w) : ref.dW;
    const m = g.map((x) => 0.1 * x);
    const s = g.map((x) => 0.001 * x * x);
    const want = W.map((w, i) => (kind === 'adamw' ? w * (1 - 0.01 * 0.05) : w) - (0.01 * c1 * m[i]!) / (Math.sqrt(s[i]!) * c2 + 1e-8));
    expectClose(out[info.params[0]!.output]?.data as Float32Array, want, { rtol: 1e-4, atol: 1e-6, what: kind });
    expectClose(out[info.params[0]!.state[1]!.output]?.data as Float32Array, s, { rtol: 1e-4, atol: 1e-9, what: `${kind} exp_avg_sq` });
  }
});

test('masks keep pruned weights at zero; frozen parameters get no input; L1 adds coef·sign(w)', async () => {
  const mask = [1, 0, 1, 0, 1, 1, 1, 1, 0];
  const opt: OptimizerSpec = { kind: 'sgd', momentum: 0 };
  const { model, info } = buildTrainingGraph(gemmModel(), { optimizer: opt, masks: ['fc.weight'], frozen: ['fc.bias'], terms: [l1Term(0.5)] });
  assert.deepEqual(info.params.map((p) => p.name), ['fc.weight']);
  assert.ok(model.graph.initializers.has('fc.bias'));
  const wMasked = W.map((w, i) => w * mask[i]!);
  const out = await oneStep(info, model, { lr: 0.1 }, { 'fc.weight': Tensor.f32([3, 3], wMasked), [info.params[0]!.mask!]: Tensor.f32([3, 3], mask) });
  const ref = referenceGrads(wMasked);
  const want = wMasked.map((w, i) => (w - 0.1 * (ref.dW[i]! + 0.5 * Math.sign(w))) * mask[i]!);
  const got = out[info.params[0]!.output]?.data as Float32Array;
  expectClose(got, want, { rtol: 1e-5, atol: 1e-6 });
  mask.forEach((m, i) => { if (m === 0) assert.equal(got[i], 0); });
});

test('a straight-through weight transform is used forward and skipped backward', async () => {
  const { model, info } = buildTrainingGraph(gemmModel(), {
    optimizer: { kind: 'sgd', momentum: 0 },
    transforms: (p) => (p.name === 'fc.weight' ? { forward: (b, w) => b.op('Sign', [w]), backward: 'identity' } : undefined),
  });
  const out = await oneStep(info, model, { lr: 1 });
  const ref = referenceGrads(W.map(Math.sign));
  expectClose(out.loss?.data as Float32Array, [ref.loss], { rtol: 1e-5 });
  expectClose(out[info.params[0]!.output]?.data as Float32Array, W.map((w, i) => w - ref.dW[i]!), { rtol: 1e-5, atol: 1e-6 });
});

test('every zoo model builds a training graph that runs a finite step', async () => {
  for (const name of zooModelNames()) {
    const src = buildZooModel(name, { width: 0.25 });
    const { model, info } = buildTrainingGraph(src, { optimizer: { kind: 'sgd' } });
    const s = await Session.create(model, { threads: 1 });
    const feeds: Record<string, Tensor> = { input: Tensor.f32([2, 1, 28, 28], new Array<number>(1568).fill(0).map((_, i) => Math.sin(i))), labels: Tensor.i64([2], [1, 7]), lr: Tensor.scalar(0.01) };
    for (const p of info.params) {
      feeds[p.name] = src.graph.initializers.get(p.name)!.initializer!;
      for (const st of p.state) feeds[st.input] = Tensor.f32(p.dims);
    }
    for (const b of info.buffers) feeds[b.name] = src.graph.initializers.get(b.name)!.initializer!;
    const out = await s.run(feeds);
    await s.release();
    assert.ok(Number.isFinite((out.loss?.data as Float32Array)[0]), name);
    assert.equal(info.buffers.length > 0, src.graph.nodes.some((n) => n.opType === 'BatchNormalization'), name);
  }
});

test('L2 and group-lasso terms add their gradients to the update', async () => {
  const opt: OptimizerSpec = { kind: 'sgd', momentum: 0 };
  const plain = buildTrainingGraph(gemmModel(), { optimizer: opt });
  const w0 = (await oneStep(plain.info, plain.model, { lr: 1 }))[plain.info.params[0]!.output]?.data as Float32Array;
  const norm = (idx: number[]): number => Math.sqrt(idx.reduce((s, i) => s + W[i]! ** 2, 0) + 1e-8);
  const cases: Array<[LossTerm, (i: number) => number]> = [
    [l2Term(0.3), (i) => 0.3 * W[i]!],
    [groupLassoTerm(0.2, 0, isLayerWeight), (i) => (0.2 * W[i]!) / norm([0, 1, 2].map((k) => Math.floor(i / 3) * 3 + k))],
    [groupLassoTerm(0.2, 1, isLayerWeight), (i) => (0.2 * W[i]!) / norm([0, 1, 2].map((k) => k * 3 + (i % 3)))],
  ];
  for (const [term, grad] of cases) {
    const g = buildTrainingGraph(gemmModel(), { optimizer: opt, terms: [term] });
    const w1 = (await oneStep(g.info, g.model, { lr: 1 }))[g.info.params[0]!.output]?.data as Float32Array;
    expectClose(Array.from(w1, (v, i) => w0[i]! - v), W.map((_, i) => grad(i)), { rtol: 1e-4, atol: 1e-6, what: term.name });
  }
});

test('bnScaleL1Term applies to BatchNorm scales only', () => {
  const src = buildZooModel('vgg', { width: 0.25 });
  const { model } = buildTrainingGraph(src, { optimizer: { kind: 'sgd' }, terms: [bnScaleL1Term(1e-4)] });
  const abs = model.graph.nodes.filter((n) => n.opType === 'Abs').map((n) => n.input(0).name);
  assert.equal(abs.length, 6);
  assert.ok(abs.every((name) => /\.bn\.weight$/.test(name)), abs.join(','));
});
