import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Split } from '../data/types.js';
import { isSlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { Session } from '../runtime/session.js';
import { expectClose } from '../testing/expect-close.js';
import { Rng } from '../util/rng.js';
import { buildZooModel } from '../zoo/index.js';
import { recalibrateBatchNorm } from './batchnorm-stats.js';

function images(count: number, seed: number): Split {
  const rng = new Rng(seed);
  return { images: Float32Array.from({ length: count * 784 }, () => 0.5 + rng.normal()), labels: new Int32Array(count), count, sampleShape: [1, 28, 28] };
}

/** Per-channel mean and population variance of every BatchNorm's input, computed from scratch by onnxruntime. */
async function bnInputMoments(model: Model, data: Split): Promise<Map<string, { mean: number[]; variance: number[] }>> {
  const m = model.clone();
  const bns = m.graph.nodes.filter((n) => n.opType === 'BatchNormalization');
  for (const bn of bns) m.graph.addOutput(bn.input(0));
  const s = await Session.create(m, { threads: 1 });
  const out = new Map<string, { mean: number[]; variance: number[] }>();
  try {
    const got = await s.run({ input: new Tensor('float32', [data.count, 1, 28, 28], data.images) }, bns.map((bn) => bn.input(0).name));
    for (const bn of bns) {
      const t = got[bn.input(0).name] as Tensor;
      const [n, c] = t.dims as [number, number];
      const inner = t.size / (n * c);
      const mean: number[] = [];
      const variance: number[] = [];
      for (let ch = 0; ch < c; ch++) {
        let s1 = 0;
        let s2 = 0;
        for (let b = 0; b < n; b++) {
          for (let i = 0; i < inner; i++) {
            const x = (t.data as Float32Array)[(b * c + ch) * inner + i] as number;
            s1 += x;
            s2 += x * x;
          }
        }
        mean.push(s1 / (n * inner));
        variance.push(s2 / (n * inner) - (s1 / (n * inner)) ** 2);
      }
      out.set(bn.name, { mean, variance });
    }
  } finally {
    await s.release();
  }
  return out;
}

test('recalibrateBatchNorm writes the population statistics each BatchNorm sees in the recalibrated model itself', async () => {
  const model = buildZooModel('resnet20', { seed: 5, width: 0.5 });
  const before = model.clone();
  const data = images(40, 1);
  const r = await recalibrateBatchNorm(model, { data, batchSize: 16, threads: 1 });
  const bns = r.model.graph.nodes.filter((n) => n.opType === 'BatchNormalization');
  assert.equal(r.layers.length, bns.length);
  assert.ok(r.passes > 1 && r.passes < bns.length, `${r.passes} passes for ${bns.length} BatchNorms (residual branches share a pass)`);
  const truth = await bnInputMoments(r.model, data);
  for (const bn of bns) {
    const want = truth.get(bn.name);
    assert.ok(want !== undefined);
    expectClose(bn.input(3).initializer?.data as Float32Array, Float32Array.from(want.mean), { rtol: 1e-3, atol: 1e-4 });
    expectClose(bn.input(4).initializer?.data as Float32Array, Float32Array.from(want.variance), { rtol: 1e-3, atol: 1e-4 });
  }
  // The zoo's init statistics (mean 0, variance 1) were far from these; every other initializer is unchanged.
  assert.ok(r.layers.some((l) => l.maxMeanShift > 0.1));
  for (const [name, v] of before.graph.initializers) {
    if (/running_(mean|var)|\.mean$|\.var$/.test(name)) continue;
    const now = r.model.graph.initializers.get(name)?.initializer?.data;
    assert.deepEqual(now, v.initializer?.data, name);
  }
  // The input model is not modified.
  for (const [name, v] of model.graph.initializers) assert.deepEqual(v.initializer?.data, before.graph.initializers.get(name)?.initializer?.data, name);
});

test('recalibrateBatchNorm rejects an empty calibration set', async () => {
  const model = buildZooModel('resnet20', { seed: 5, width: 0.25 });
  await assert.rejects(recalibrateBatchNorm(model, { data: { ...images(1, 2), count: 0 } }), (e: unknown) => isSlimnetError(e, 'INVALID_ARGUMENT'));
});
