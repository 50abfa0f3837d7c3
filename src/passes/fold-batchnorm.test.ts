import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AttributeInput } from '../ir/attributes.js';
import { GraphBuilder } from '../ir/builder.js';
import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { Session } from '../runtime/session.js';
import { expectClose } from '../testing/expect-close.js';
import { Rng } from '../util/rng.js';
import { batchNormAffine, foldBatchNorm } from './fold-batchnorm.js';

const rng = new Rng(11);
const randn = (dims: number[], lo = -1, hi = 1): Tensor =>
  Tensor.f32(dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.uniform(lo, hi)));

function bn(b: GraphBuilder, x: Value, c: number, attrs: Record<string, AttributeInput> = {}): Value {
  const p = [randn([c], 0.5, 2), randn([c]), randn([c]), randn([c], 0.2, 3)].map((t, i) => b.initializer(`bn_${i}`, t));
  return b.op('BatchNormalization', [x, ...p], { epsilon: 1e-3, ...attrs }, { name: 'bn' });
}

function convBn(): { model: Model; dims: number[] } {
  const b = new GraphBuilder('conv_bn');
  const x = b.input('x', 'float32', ['N', 3, 6, 6]);
  const wb = [b.initializer('w', randn([4, 3, 3, 3])), b.initializer('b', randn([4]))];
  const y = b.op('Conv', [x, ...wb], { pads: [1, 1, 1, 1] });
  b.output(b.op('Relu', [bn(b, y, 4)]), 'y');
  return { model: b.build(), dims: [2, 3, 6, 6] };
}

function gemmBn(transB: number, withBias: boolean): { model: Model; dims: number[] } {
  const b = new GraphBuilder('gemm_bn');
  const x = b.input('x', 'float32', ['N', 5]);
  const w = b.initializer('w', randn(transB === 1 ? [3, 5] : [5, 3]));
  const inputs = withBias ? [x, w, b.initializer('c', randn([3]))] : [x, w];
  const y = b.op('Gemm', inputs, { transB, alpha: 0.7, beta: 1.5 });
  b.output(bn(b, y, 3), 'y');
  return { model: b.build(), dims: [4, 5] };
}

async function run(m: Model, x: Tensor): Promise<Float32Array> {
  const s = await Session.create(m);
  try {
    return ((await s.run({ x })).y as Tensor).toFloat32();
  } finally {
    await s.release();
  }
}

test('folded Conv / Gemm compute what the BatchNormalization did (onnxruntime)', async () => {
  for (const { model, dims } of [convBn(), gemmBn(0, true), gemmBn(1, true), gemmBn(1, false)]) {
    const x = randn(dims);
    const before = await run(model, x);
    const r = foldBatchNorm(model);
    assert.equal(r.folded, 1);
    assert.equal(r.modified, true);
    assert.ok(!model.graph.nodes.some((n) => n.opType === 'BatchNormalization'));
    assert.ok(![...model.graph.initializers.keys()].some((k) => k.startsWith('bn_')), 'BN parameters removed');
    expectClose(await run(model, x), before, { rtol: 1e-4, atol: 1e-5, what: model.graph.name });
  }
});

test('a BN that is not foldable is left alone', () => {
  const training = new GraphBuilder('training');
  const x = training.input('x', 'float32', [1, 3, 4, 4]);
  const y = training.op('Conv', [x, training.initializer('w', randn([2, 3, 1, 1]))]);
  training.output(bn(training, y, 2, { training_mode: 1 }), 'y');
  const shared = new GraphBuilder('shared');
  const xs = shared.input('x', 'float32', [1, 3, 4, 4]);
  const ys = shared.op('Conv', [xs, shared.initializer('w', randn([2, 3, 1, 1]))]);
  shared.output(bn(shared, ys, 2), 'y');
  shared.output(ys, 'conv_out');
  for (const m of [training.build(), shared.build()]) {
    assert.deepEqual(foldBatchNorm(m), { model: m, modified: false, folded: 0 }, m.graph.name);
    assert.equal(m.graph.nodes.length, 2);
  }
});

test('batchNormAffine is scale = γ/√(σ²+ε), shift = β − scale·μ, and checks the channel count', () => {
  const b = new GraphBuilder('affine');
  const x = b.input('x', 'float32', [1, 2]);
  const p = [[2, 1], [0.5, -1], [1, 3], [3, 0.25]].map((v, i) => b.initializer(`p${i}`, Tensor.f32([2], v)));
  b.output(b.op('BatchNormalization', [x, ...p], { epsilon: 1 }, { name: 'bn' }), 'y');
  const node = b.graph.findNode('bn');
  assert.ok(node !== undefined);
  const a = batchNormAffine(node);
  expectClose(a?.scale ?? [], [1, 1 / Math.sqrt(1.25)]);
  expectClose(a?.shift ?? [], [0.5 - 1, -1 - 3 / Math.sqrt(1.25)]);
  assert.equal(batchNormAffine(node, 3), undefined);
});
