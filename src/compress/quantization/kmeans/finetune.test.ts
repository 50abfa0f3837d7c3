import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addBackward } from '../../../autodiff/backward.js';
import { GraphBuilder } from '../../../ir/builder.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import { Session } from '../../../runtime/session.js';
import { expectClose } from '../../../testing/expect-close.js';
import { loadDataset } from '../../../data/load.js';
import { buildZooModel } from '../../../zoo/index.js';
import { codebookModel, codebookName, readCodebooks } from './codebook-graph.js';
import { finetuneCodebooks } from './finetune.js';
import { kmeansShare, type SharedLayer } from './share.js';

function tiny(w: readonly number[]): Model {
  const b = new GraphBuilder('tiny');
  const x = b.input('x', 'float32', [2, 3]);
  const wv = b.initializer('w', Tensor.f32([3, 2], w));
  b.output(b.op('MatMul', [x, wv]), 'y');
  return b.build();
}

test('codebook gradient = sum of the gradients of the weights assigned to each centroid', async () => {
  const layer: SharedLayer = {
    name: 'w', kind: 'fc', bits: 1, dims: [3, 2],
    codebook: Float32Array.from([-0.5, 2]),
    indices: Int32Array.from([0, 1, -1, 1, 0, 0]),
  };
  const m = codebookModel(tiny([0, 0, 0, 0, 0, 0]), [layer]);
  const g = m.graph;
  const b = new GraphBuilder(g);
  const r = b.input('r', 'float32', [2, 2]);
  const y = g.outputs[0]!;
  g.outputs.length = 0;
  const loss = b.op('ReduceSum', [b.op('Mul', [y, r])], { keepdims: 0 });
  inferShapes(m);
  const cb = g.initializers.get(codebookName('w'))!;
  const grads = addBackward(g, loss, [cb], { opset: m.opset() });
  b.output(grads.get(cb)!, 'dcb');
  b.output(y, 'y');
  const xs = [1, 2, 3, -1, 0.5, 4];
  const rs = [0.3, -1, 2, 0.7];
  const s = await Session.create(m);
  const out = await s.run({ x: Tensor.f32([2, 3], xs), r: Tensor.f32([2, 2], rs) });
  await s.release();
  // dL/dW = x^T r (3x2); centroid 0 gets W[0,0], W[2,0], W[2,1]; centroid 1 gets W[0,1], W[1,1]; W[1,0] is pruned.
  const dW = (i: number, j: number): number => (xs[i]! * rs[j]!) + (xs[3 + i]! * rs[2 + j]!);
  expectClose(out.dcb!.toNumbers(), [dW(0, 0) + dW(2, 0) + dW(2, 1), dW(0, 1) + dW(1, 1)]);
  // Forward: W = [[-0.5, 2], [0, 2], [-0.5, -0.5]].
  const W = [-0.5, 2, 0, 2, -0.5, -0.5];
  const yExp = [0, 1].flatMap((n) => [0, 1].map((j) => [0, 1, 2].reduce((a, i) => a + xs[n * 3 + i]! * W[i * 2 + j]!, 0)));
  expectClose(out.y!.toNumbers(), yExp);
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
  const layer: SharedLayer = {
    name: 'w', kind: 'fc', bits: 1, dims: [3, 2],
    codebook: Float32Array.from([-0.5, 2]),
    indices: Int32Array.from([0, 1, -1, 1, 0, 0]),
  };
  const m = codebookModel(tiny([0, 0, 0, 0, 0, 0]), [layer], { normalizeSteps: true });
  const stored = m.graph.initializers.get(codebookName('w'))!.initializer!.toNumbers();
  expectClose(stored, [-0.5 * Math.sqrt(3), 2 * Math.sqrt(2)], { rtol: 1e-6 });
  expectClose([...readCodebooks(m, [layer])[0]!.codebook], [-0.5, 2], { rtol: 1e-6 });
  const g = m.graph;
  const b = new GraphBuilder(g);
  const r = b.input('r', 'float32', [2, 2]);
  const y = g.outputs[0]!;
  g.outputs.length = 0;
  const loss = b.op('ReduceSum', [b.op('Mul', [y, r])], { keepdims: 0 });
  inferShapes(m);
  const cb = g.initializers.get(codebookName('w'))!;
  b.output(addBackward(g, loss, [cb], { opset: m.opset() }).get(cb)!, 'dcb');
  b.output(y, 'y');
  const xs = [1, 2, 3, -1, 0.5, 4];
  const rs = [0.3, -1, 2, 0.7];
  const s = await Session.create(m);
  const out = await s.run({ x: Tensor.f32([2, 3], xs), r: Tensor.f32([2, 2], rs) });
  await s.release();
  const dW = (i: number, j: number): number => (xs[i]! * rs[j]!) + (xs[3 + i]! * rs[2 + j]!);
  expectClose(out.dcb!.toNumbers(), [(dW(0, 0) + dW(2, 0) + dW(2, 1)) / Math.sqrt(3), (dW(0, 1) + dW(1, 1)) / Math.sqrt(2)], { rtol: 1e-5 });
  const W = [-0.5, 2, 0, 2, -0.5, -0.5];
  expectClose(out.y!.toNumbers(), [0, 1].flatMap((n) => [0, 1].map((j) => [0, 1, 2].reduce((a, i) => a + xs[n * 3 + i]! * W[i * 2 + j]!, 0))), { rtol: 1e-6 });
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
