import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mse } from '../../../autodiff/losses.js';
import type { Split } from '../../../data/types.js';
import { GraphBuilder } from '../../../ir/builder.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { expectClose } from '../../../testing/expect-close.js';
import { Rng } from '../../../util/rng.js';
import { buildZooModel } from '../../../zoo/index.js';
import { prunableWeights } from '../common/prunable.js';
import { fisherDiagonal, type FisherBatch } from './fisher.js';
import { obdPrune, obdSaliency } from './obd.js';
import { masksFromScores } from './select.js';

const W = [2, 0.5, 1, 0.2];
const SCALE = [0.1, 3, 1, 4];

function linear(): Model {
  const g = new GraphBuilder('linear');
  const x = g.input('x', 'float32', ['N', 4]);
  g.output(g.op('Gemm', [x, g.initializer('w', Tensor.f32([1, 4], W))], { transB: 1 }, { name: 'fc' }), 'y');
  return g.build();
}

test('OBD on a linear layer with MSE: Fisher = Hessian diagonal, saliency ranking = ½ H_ii w_i²', async () => {
  const rng = new Rng(5);
  const batches: FisherBatch[] = [];
  const sq = [0, 0, 0, 0];
  for (let n = 0; n < 64; n++) {
    const x = SCALE.map((s) => s * rng.normal());
    x.forEach((v, i) => (sq[i] = (sq[i] as number) + v * v / 64));
    // Residual ±1 for every sample makes the per-sample squared gradient (2 r x)² = 4 x² exactly.
    const y = x.reduce((s, v, i) => s + v * (W[i] as number), 0) + (n % 2 === 0 ? 1 : -1);
    batches.push({ image: Tensor.f32([1, 4], x), target: Tensor.f32([1, 1], [y]) });
  }
  const loss = { build: (b: GraphBuilder, out: Parameters<typeof mse>[1], t: Parameters<typeof mse>[2]) => mse(b, out, t), target: { dtype: 'float32' as const, shape: ['N', 1] } };
  const h = await fisherDiagonal(linear(), ['w'], batches, { threads: 1 }, loss);
  // Loss r² has Hessian 2 E[x xᵀ]; the Fisher E[g²] = 4 E[x²] is twice the diagonal (a constant factor).
  const hessian = sq.map((s) => 2 * s);
  expectClose([...(h.get('w') as Float64Array)], hessian.map((v) => 2 * v), { rtol: 1e-4 });
  const sal = obdSaliency(new Map([['w', Float32Array.from(W)]]), h).get('w') as Float64Array;
  const closed = W.map((w, i) => 0.5 * (hessian[i] as number) * w * w);
  const order = (v: ArrayLike<number>): number[] => [...Array(v.length).keys()].sort((a, b) => (v[a] as number) - (v[b] as number));
  assert.deepEqual(order(sal), order(closed));
  assert.notDeepEqual(order(sal), order(W.map(Math.abs)), 'the test must separate OBD from magnitude');
  const weights = prunableWeights(linear());
  const masks = masksFromScores([{ weight: weights[0]!, scores: sal }], { sparsity: 0.5 });
  assert.deepEqual([...(masks['w'] as Float32Array)], order(closed).map((_, i) => (order(closed).slice(0, 2).includes(i) ? 0 : 1)));
});

test('obdPrune on a small MLP with sampled-label Fisher reaches the global target', async () => {
  const rng = new Rng(3);
  const count = 24;
  const split: Split = {
    images: Float32Array.from({ length: count * 784 }, () => rng.normal()), labels: Int32Array.from({ length: count }, () => rng.int(10)),
    count, sampleShape: [1, 28, 28],
  };
  const model = buildZooModel('lenet-300-100', { seed: 1, width: 0.1 });
  const r = await obdPrune(model, split, { sparsity: 0.7, samples: 16, batchSize: 4, threads: 1 });
  expectClose(r.stats.sparsity, 0.7, { atol: 1e-4 });
  for (const [name, m] of Object.entries(r.masks)) {
    const d = r.model.graph.initializers.get(name)?.initializer?.data as Float32Array;
    m.forEach((k, i) => assert.ok(k === 1 || Object.is(d[i], 0), `${name}[${i}]`));
  }
});

test('exact GGN diagonal of a linear softmax classifier equals E[(p_c − p_c²) x_q²]; sampled labels estimate it', async () => {
  const rng = new Rng(8);
  const classes = 3;
  const d = 4;
  const wv = Array.from({ length: classes * d }, () => rng.normal());
  const g = new GraphBuilder('softmax-linear');
  const x = g.input('input', 'float32', ['N', d]);
  g.output(g.op('Gemm', [x, g.initializer('w', Tensor.f32([classes, d], wv))], { transB: 1 }, { name: 'fc' }), 'logits');
  const model = g.build();
  const count = 40;
  const images = Float32Array.from({ length: count * d }, () => rng.normal());
  const split: Split = { images, labels: new Int32Array(count), count, sampleShape: [d] };
  const expected = new Float64Array(classes * d);
  for (let n = 0; n < count; n++) {
    const xs = images.subarray(n * d, (n + 1) * d);
    const z = Array.from({ length: classes }, (_, c) => xs.reduce((s, v, q) => s + v * (wv[c * d + q] as number), 0));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((a, b) => a + b, 0);
    for (let c = 0; c < classes; c++) {
      const p = (e[c] as number) / sum;
      for (let q = 0; q < d; q++) expected[c * d + q] = (expected[c * d + q] as number) + ((p - p * p) * (xs[q] as number) ** 2) / count;
    }
  }
  const exact = (await fisherDiagonal(model, ['w'], split, { samples: count, threads: 1, minProbability: 0 })).get('w') as Float64Array;
  expectClose([...exact], [...expected], { rtol: 1e-4, atol: 1e-7 });
  const sampled = (await fisherDiagonal(model, ['w'], split, { samples: count, threads: 1, labels: 'sampled' })).get('w') as Float64Array;
  const total = (v: Float64Array): number => v.reduce((a, b) => a + b, 0);
  expectClose(total(sampled), total(expected), { rtol: 0.5, what: 'sampled-label estimate of the same trace' });
});
