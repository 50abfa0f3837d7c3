import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Model } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { modelStats } from '../../metrics/layer-stats.js';
import { Session } from '../../runtime/session.js';
import { expectClose } from '../../testing/expect-close.js';
import { Rng } from '../../util/rng.js';
import { buildZooModel } from '../../zoo/index.js';
import { decompose } from './decompose.js';
import { extractChain, measureDecomposition } from './measure.js';
import type { DecomposeOptions } from './types.js';

async function logits(model: Model, batch: number): Promise<Tensor> {
  const rng = new Rng(11);
  const x = Tensor.f32([batch, 1, 28, 28], Array.from({ length: batch * 784 }, () => rng.normal()));
  const s = await Session.create(model, { threads: 1 });
  try {
    const out = (await s.run({ input: x })).logits;
    assert.ok(out !== undefined);
    return out;
  } finally {
    await s.release();
  }
}

const cases: ReadonlyArray<[string, number, DecomposeOptions]> = [
  ['lenet5', 0.5, { method: 'svd', energy: 0.6 }],
  ['lenet5', 1, { method: 'cp', rank: 4, cp: { maxIterations: 30 } }],
  ['vgg', 0.5, { method: 'jaderberg', energy: 0.7 }],
  ['resnet20', 1, { method: 'tucker2', vbmf: true }],
  ['resnet20', 1, { method: 'tucker2', budget: 0.5 }],
];

test('factored zoo models (BN, residual adds, pooling, fc heads) keep their output shape and run in onnxruntime', async () => {
  for (const [name, width, opts] of cases) {
    const model = buildZooModel(name, { seed: 3, width });
    const r = decompose(model, opts);
    const done = r.report.layers.filter((l) => l.status === 'decomposed');
    assert.ok(done.length > 0, `${name} ${opts.method}: nothing factored`);
    const stats = modelStats(r.model);
    assert.equal(stats.macs, r.report.after.macs);
    assert.ok(r.report.after.macs < r.report.before.macs, `${name} ${opts.method}: MACs did not fall`);
    // Per-layer rows add up to the model totals.
    const saved = done.reduce((a, l) => a + l.before.macs - l.after.macs, 0);
    assert.equal(r.report.after.macs, r.report.before.macs - saved);
    const [a, b] = [await logits(model, 3), await logits(r.model, 3)];
    assert.deepEqual(b.dims, a.dims);
    assert.ok(Array.from(b.data as Float32Array).every(Number.isFinite));
    // The input model is untouched.
    assert.equal(modelStats(model).macs, r.report.before.macs);
  }
});

test('with 99.99 % energy Tucker-2 on ResNet-20 keeps the logits (rank-preserving on every conv)', async () => {
  const model = buildZooModel('resnet20', { seed: 4 });
  const r = decompose(model, { method: 'tucker2', energy: 0.9999, onlyIfSmaller: false, layers: ['layer2.0.conv2', 'layer3.1.conv1'] });
  assert.equal(r.report.layers.filter((l) => l.status === 'decomposed').length, 2);
  const [a, b] = [await logits(model, 2), await logits(r.model, 2)];
  expectClose(b.data as Float32Array, a.data as Float32Array, { rtol: 0.02, atol: 0.02 });
});

test('measureDecomposition times the whole models and each factored layer against its replacement chain', async () => {
  const model = buildZooModel('lenet5', { seed: 5 });
  const r = decompose(model, { method: 'tucker2', rank: 0.5 });
  const lat = await measureDecomposition(model, r.model, r.report, { batchSizes: [2], runs: 3 });
  assert.equal(lat.whole.length, 1);
  assert.deepEqual(lat.layers.map((l) => l.name), ['conv1', 'conv2']);
  for (const l of lat.layers) assert.ok((l.comparisons[0]?.speedup ?? 0) > 0);
  // The extracted chain computes what the layer computes inside the model.
  const row = r.report.layers.find((l) => l.name === 'conv2');
  const chain = extractChain(r.model, row?.nodes ?? [], ['N', 20, 12, 12]);
  assert.deepEqual(chain.graph.nodes.map((n) => n.opType), ['Conv', 'Conv', 'Conv']);
  assert.throws(() => extractChain(r.model, ['conv2/tucker_core', 'nope'], ['N', 10, 12, 12]), /node 'nope' is not in the model/);
});
