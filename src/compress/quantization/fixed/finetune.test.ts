import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDataset } from '../../../data/load.js';
import { buildZooModel } from '../../../zoo/index.js';
import { finetuneFixedPoint } from './finetune.js';

test('fixed-point fine-tuning (weights 4 bit, activations 8 bit) trains through the STE and exports grid weights', async () => {
  const data = loadDataset('mnist', { limit: 256, testLimit: 128 });
  const model = buildZooModel('lenet-300-100', { seed: 1, width: 0.25 });
  const r = await finetuneFixedPoint(model, { weightBits: 4, activationBits: 8, dataset: data, epochs: 1, batchSize: 32, lr: 0.01, threads: 1, inProcess: true });
  assert.equal(r.history.length, 1);
  assert.ok(Number.isFinite(r.history[0]!.trainLoss));
  const w = r.model.graph.initializers.get('fc1.weight')!.initializer!.data as Float32Array;
  assert.ok(new Set(w).size <= 16, `distinct ${new Set(w).size}`);
  assert.ok(r.model.graph.nodes.some((n) => n.opType === 'Round'));
});
