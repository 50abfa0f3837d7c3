import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadDataset } from '../data/load.js';
import type { Dataset } from '../data/types.js';
import { isSlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import { loadModel } from '../onnx/index.js';
import { evaluate } from '../runtime/evaluate.js';
import { buildZooModel, vgg } from '../zoo/index.js';
import { train } from './trainer.js';
import type { TrainOptions, TrainProgress } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-train-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let cached: Dataset | undefined;
function data(): Dataset {
  cached ??= loadDataset('mnist', { limit: 384, testLimit: 200 });
  return cached;
}

const small = (): Model => buildZooModel('lenet-300-100', { seed: 1, width: 0.25 });
const base = (over: Partial<TrainOptions> = {}): TrainOptions => ({
  model: small(), dataset: data(), epochs: 1, batchSize: 32, lr: 0.05, threads: 1, seed: 3, inProcess: true, ...over,
});
const weights = (m: Model, name: string): Float32Array => m.graph.initializers.get(name)?.initializer?.data as Float32Array;

test('loss decreases over two epochs on a small MNIST subset', async () => {
  const r = await train(base({ epochs: 2 }));
  assert.equal(r.history.length, 2);
  const [e1, e2] = r.history;
  assert.ok(e2!.trainLoss < e1!.trainLoss, `loss ${e1!.trainLoss} -> ${e2!.trainLoss}`);
  assert.ok(r.testError < 0.5, `test error ${r.testError}`);
});

test('masked weights stay exactly zero and frozen ones unchanged', async () => {
  const model = small();
  const w = weights(model, 'fc1.weight');
  const mask = new Float32Array(w.length).map((_, i) => (i % 3 === 0 ? 0 : 1));
  const frozenBefore = Float32Array.from(weights(model, 'fc2.weight'));
  const r = await train(base({ model, hooks: { masks: { 'fc1.weight': mask }, frozen: ['fc2.weight'] } }));
  const after1 = weights(r.model, 'fc1.weight');
  mask.forEach((m, i) => {
    if (m === 0) assert.ok(Object.is(after1[i], 0), `fc1.weight[${i}] = ${after1[i]}`);
  });
  assert.ok(after1.some((v, i) => mask[i] === 1 && v !== w[i]), 'unmasked weights trained');
  assert.deepEqual(weights(r.model, 'fc2.weight'), frozenBefore);
});

test('resume from a checkpoint continues exactly like an uninterrupted run', async () => {
  const ck = join(dir, 'ck.onnx');
  const opts = base({ epochs: 2, optimizer: 'adam', lr: 0.002, schedule: { kind: 'cosine' } });
  const full = await train(opts);
  const ac = new AbortController();
  await assert.rejects(
    train({ ...opts, checkpoint: ck, signal: ac.signal, onProgress: (p) => { if (p.kind === 'epoch') ac.abort(); } }),
    (e: unknown) => isSlimnetError(e, 'INTERRUPTED') && /epoch 2 step 1; checkpoint after epoch 1/.test(e.message),
  );
  assert.ok(loadModel(ck).graph.initializers.has('fc1.weight'));
  const resumed = await train({ ...opts, checkpoint: ck, resume: true });
  assert.equal(resumed.resumedFromEpoch, 1);
  assert.equal(resumed.history.length, 2);
  for (const name of ['fc1.weight', 'fc3.bias']) assert.deepEqual(weights(resumed.model, name), weights(full.model, name), name);
  assert.deepEqual(resumed.history.map((h) => h.trainLoss), full.history.map((h) => h.trainLoss));
});

test('a huge learning rate stops with TRAINING_DIVERGED naming the step', async () => {
  await assert.rejects(train(base({ lr: 1e8, momentum: 0.99 })), (e: unknown) => {
    assert.ok(isSlimnetError(e, 'TRAINING_DIVERGED'));
    assert.match(e.message, /loss became (NaN|[+-]Inf) at epoch 1 step \d+ of 12/);
    return true;
  });
});

test('the saved model has no training ops and evaluates to the reported error (worker thread)', async () => {
  const out = join(dir, 'trained.onnx');
  const reports: TrainProgress[] = [];
  const r = await train(base({ inProcess: false, dataset: 'mnist', datasetOptions: { limit: 384, testLimit: 200 }, output: out, onProgress: (p) => reports.push(p) }));
  const epochReports = reports.filter((p) => p.kind === 'epoch');
  assert.equal(epochReports.length, 1);
  assert.equal(epochReports[0]?.stats?.testError, r.testError);
  assert.ok(reports.every((p) => p.epochs === 1 && p.imagesPerSecond > 0 && p.etaSeconds >= 0));
  const saved = loadModel(out);
  const ops = new Set(saved.graph.nodes.map((n) => n.opType));
  assert.deepEqual([...ops].sort(), ['Flatten', 'Gemm', 'Relu']);
  assert.deepEqual(saved.graph.inputs.map((v) => v.name), ['input']);
  const ev = await evaluate(saved, data().test, { threads: 1 });
  assert.ok(Math.abs(ev.top1Error - r.testError) < 1e-12, `evaluate ${ev.top1Error} vs loop ${r.testError}`);
});

test('aborting stops at a step boundary with INTERRUPTED', async () => {
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(train(base({ signal: ac.signal })), (e: unknown) => isSlimnetError(e, 'INTERRUPTED') && /epoch 1 step 1/.test(e.message));
});

test('BatchNorm running statistics are trained and saved in eval mode', async () => {
  const model = vgg({ seed: 2, width: 0.25, plan: [16, 'M', 32, 'M'] });
  const r = await train(base({ model, lr: 0.02 }));
  const mean = weights(r.model, 'features.1.1.bn.running_mean');
  assert.ok(mean.some((v) => v !== 0), 'running mean moved');
  const bn = r.model.graph.nodes.filter((n) => n.opType === 'BatchNormalization');
  assert.ok(bn.length === 2 && bn.every((n) => n.attrInt('training_mode', 0) === 0 && n.outputs.length === 1));
  const ev = await evaluate(r.model, data().test, { threads: 1 });
  assert.ok(Math.abs(ev.top1Error - r.testError) < 1e-12, `evaluate ${ev.top1Error} vs loop ${r.testError}`);
});
