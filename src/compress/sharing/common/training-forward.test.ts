// The exported ONNX models (hashed, circulant in both forms) compute the same function as the forward
// pass of the training graph built from them: the training step's loss equals the cross-entropy of the
// exported model's logits, and the free vectors are what the step trains.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { Session } from '../../../runtime/session.js';
import { expectClose } from '../../../testing/expect-close.js';
import { buildTrainingGraph } from '../../../train/training-graph.js';
import { circulantLayers } from '../circulant/circulant.js';
import { hashLayers } from '../hashed/hashnet.js';
import { blobSplit, tinyMlp } from './fixtures.js';

const batch = blobSplit(16, 7);
const x = new Tensor('float32', [16, 12], batch.images);
const labels = Tensor.i64([16], Array.from(batch.labels));

async function exportedLoss(model: Model): Promise<number> {
  const s = await Session.create(model, { threads: 1 });
  const y = (await s.run({ x }, ['y'])).y?.toNumbers() ?? [];
  await s.release();
  let loss = 0;
  for (let n = 0; n < 16; n++) {
    const z = y.slice(n * 4, n * 4 + 4);
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
    loss += (lse - (z[batch.labels[n] as number] as number)) / 16;
  }
  return loss;
}

async function trainingLoss(model: Model): Promise<{ loss: number; params: string[] }> {
  const { model: tg, info } = buildTrainingGraph(model, { optimizer: { kind: 'sgd', momentum: 0.9 } });
  const feeds: Record<string, Tensor> = { [info.input]: x, [info.labels]: labels, [info.scalars.lr]: Tensor.scalar(0) };
  for (const p of info.params) {
    const t = model.graph.initializers.get(p.name)?.initializer;
    assert.ok(t !== undefined, p.name);
    feeds[p.name] = t;
    for (const st of p.state) feeds[st.input] = Tensor.f32(p.dims);
  }
  const s = await Session.create(tg, { threads: 1 });
  const out = await s.run(feeds, [info.loss]);
  await s.release();
  return { loss: out[info.loss]?.toNumbers()[0] ?? NaN, params: info.params.map((p) => p.name) };
}

test('hashed and circulant exports match the training graph forward; the vectors are the trained parameters', async () => {
  const base = tinyMlp(4);
  const cases: Array<[string, Model, string[]]> = [
    ['hashed', hashLayers(base, { factor: 4, init: 'random', seed: 3 }).model, ['w1__hash_buckets', 'w2__hash_buckets']],
    ['circulant fft', circulantLayers(base, { mode: 'fft', init: 'random', seed: 3 }).model, ['w1__circulant', 'w2__circulant']],
    ['circulant dense', circulantLayers(base, { mode: 'dense', init: 'random', seed: 3 }).model, ['w1__circulant', 'w2__circulant']],
  ];
  for (const [what, model, vectors] of cases) {
    const t = await trainingLoss(model);
    expectClose(t.loss, await exportedLoss(model), { rtol: 1e-5, atol: 1e-6, what });
    assert.deepEqual(t.params.filter((p) => vectors.includes(p)).sort(), vectors, what);
    assert.ok(t.params.includes('b1') && t.params.includes('b2'), what);
  }
});
