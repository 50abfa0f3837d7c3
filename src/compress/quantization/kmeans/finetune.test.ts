import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Model } from '../../../ir/graph.js';
import { expectClose } from '../../../testing/expect-close.js';
import { loadDataset } from '../../../data/load.js';
import { buildZooModel } from '../../../zoo/index.js';
import { codebookModel, codebookName, readCodebooks } from './codebook-graph.js';
import { oneLayer, probeCodebook } from './fixtures.js';
import { finetuneCodebooks } from './finetune.js';
import { kmeansShare, type SharedLayer } from './share.js';

const tiny = (w: readonly number[]): Model => oneLayer(w);

const LAYER: SharedLayer = {
  name: 'w', kind: 'fc', bits: 1, dims: [3, 2],
  codebook: Float32Array.from([-0.5, 2]),
  indices: Int32Array.from([0, 1, -1, 1, 0, 0]),
};
const XS = [1, 2, 3, -1, 0.5, 4];
const RS = [0.3, -1, 2, 0.7];
/** dL/dW = xᵀ r (3×2). */
const dW = (i: number, j: number): number => (XS[i]! * RS[j]!) + (XS[3 + i]! * RS[2 + j]!);
/** Forward: W = [[-0.5, 2], [0, 2], [-0.5, -0.5]] (W[1,0] pruned). */
const Y = [0, 1].flatMap((n) => [0, 1].map((j) => [0, 1, 2].reduce((a, i) => a + XS[n * 3 + i]! * [-0.5, 2, 0, 2, -0.5, -0.5][i * 2 + j]!, 0)));

test('codebook gradient = sum of the gradients of the weights assigned to each centroid', async () => {
  const out = await probeCodebook(tiny([0, 0, 0, 0, 0, 0]), LAYER, XS, RS);
  // Centroid 0 gets W[0,0], W[2,0], W[2,1]; centroid 1 gets W[0,1], W[1,1]; W[1,0] is pruned.
  expectClose(out.dcb, [dW(0, 0) + dW(2, 0) + dW(2, 1), dW(0, 1) + dW(1, 1)]);
  expectClose(out.y, Y);
});

test('kmeansShare keeps exact zeros and at most 2^bits distinct values per layer', () => {
  const w = Array.from({ length: 6 }, (_, i) => (i === 2 ? 0 : Math.cos(i)));
  const r = kmeansShare(tiny(w), { bits: 2 });
  const d = r.model.graph.initializers.get('w')!.initializer!.data as Float32Array;
  assert.ok(Object.is(d[2], 0));
  assert.ok(new Set(d.filter((x) => x !== 0)).size <= 4);
  assert.equal(r.layers[0]!.codebook.length, 4);
  assert.equal(r.layers[0]!.indices[2], -1);
});

test('normalised centroid steps: same forward weights, gradient of the stored p_k = (sum of gradients) / √n_k, codebook read back', async () => {
  const m = codebookModel(tiny([0, 0, 0, 0, 0, 0]), [LAYER], { normalizeSteps: true });
  const stored = m.graph.initializers.get(codebookName('w'))!.initializer!.toNumbers();
  expectClose(stored, [-0.5 * Math.sqrt(3), 2 * Math.sqrt(2)], { rtol: 1e-6 });
  expectClose([...readCodebooks(m, [LAYER])[0]!.codebook], [-0.5, 2], { rtol: 1e-6 });
  const out = await probeCodebook(tiny([0, 0, 0, 0, 0, 0]), LAYER, XS, RS, { normalizeSteps: true });
  expectClose(out.dcb, [(dW(0, 0) + dW(2, 0) + dW(2, 1)) / Math.sqrt(3), (dW(0, 1) + dW(1, 1)) / Math.sqrt(2)], { rtol: 1e-5 });
  expectClose(out.y, Y, { rtol: 1e-6 });
});

test('normalised steps keep dense-layer centroids stable where the raw gradient sum blows them up', async () => {
  const data = loadDataset('mnist', { limit: 512, testLimit: 64 });
  const shared = kmeansShare(buildZooModel('lenet-300-100', { seed: 1 }), { bits: 2 });
  const maxAbs = (c: Float32Array): number => Math.max(...[...c].map(Math.abs));
  const before = maxAbs(shared.layers[0]!.codebook);
  const run = async (normalizeSteps: boolean): Promise<number> => {
    const r = await finetuneCodebooks(shared.model, shared.layers, { dataset: data, epochs: 1, lr: 0.2, batchSize: 64, threads: 1, inProcess: true, validate: false, normalizeSteps });
    return maxAbs(r.layers[0]!.codebook);
  };
  // fc1: 235,200 weights in 4 clusters; each raw step is the sum of ~59k gradients.
  const normalised = await run(true);
  assert.ok(normalised < 2 * before, `normalised: ${before} -> ${normalised}`);
  const raw = await run(false);
  assert.ok(raw > 10 * before, `raw sum: ${before} -> ${raw}`);
});
