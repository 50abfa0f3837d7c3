import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDataset } from '../../data/load.js';
import { buildZooModel } from '../../zoo/index.js';
import { unpack } from './container.js';
import { deepCompress } from './deep-compress.js';

test('deepCompress on a small LeNet-300-100: prune, retrain, share, fine-tune codebooks, pack', async () => {
  const data = loadDataset('mnist', { limit: 256, testLimit: 128 });
  const model = buildZooModel('lenet-300-100', { seed: 1, width: 0.25 });
  const r = await deepCompress(model, { dataset: data, pruneSparsity: 0.9, retrainEpochs: 1, finetuneEpochs: 1, batchSize: 32, threads: 1, inProcess: true, latencyRuns: 2 });
  assert.ok(r.ratio > 8, `ratio ${r.ratio}`);
  for (const l of r.report.layers) {
    const d = r.model.graph.initializers.get(l.name)!.initializer!.data as Float32Array;
    assert.ok(new Set(d.filter((x) => x !== 0)).size <= 32, l.name);
  }
  const back = unpack(r.bytes);
  for (const [name, v] of r.model.graph.initializers) assert.deepEqual(back.graph.initializers.get(name)!.initializer!.data, v.initializer!.data);
  assert.ok(r.errorAfter <= 1 && r.errorBefore <= 1);
});

test('deepCompress trains a zoo model first and measures the result against the trained input', async () => {
  const data = loadDataset('mnist', { limit: 256, testLimit: 128 });
  const r = await deepCompress('lenet-300-100', {
    dataset: data, trainEpochs: 2, trainLr: 0.05, pruneMethod: 'iterative', pruneOptions: { cycles: 2, epochsPerCycle: 1 }, pruneSparsity: { fc1: 0.95, fc2: 0.9 },
    retrainEpochs: 0, finetuneEpochs: 0, batchSize: 32, threads: 1, inProcess: true, latencyRuns: 1,
  });
  const fc1 = r.sparsity.layers.find((l) => l.layer === 'fc1')!;
  const fc3 = r.sparsity.layers.find((l) => l.layer === 'fc3')!;
  assert.ok(Math.abs(fc1.sparsity - 0.95) < 0.005, `fc1 ${fc1.sparsity}`);
  assert.equal(fc3.sparsity, 0);
  assert.equal(r.errorAfter, r.errorShared);
  assert.ok(r.errorBefore < 0.6, `a trained input: error ${r.errorBefore}`);
  assert.equal(r.measurement.error?.before, r.errorBefore);
  assert.equal(r.measurement.size.packed, r.bytes.length);
  await assert.rejects(deepCompress('lenet5', { dataset: data }), /must be trained first/);
  await assert.rejects(deepCompress(r.input, { dataset: data, pruneSparsity: { fc9: 0.5 } }), /'fc9' is not a prunable weight or layer/);
});
