import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDataset } from '../../../data/load.js';
import type { Dataset } from '../../../data/types.js';
import { isSlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { expectClose } from '../../../testing/expect-close.js';
import { buildZooModel } from '../../../zoo/index.js';
import type { Masks } from '../common/sparsity.js';
import { pruneAndRetrain } from './pipeline.js';
import { magnitudePrune } from './magnitude.js';
import { agpPrune, DIVERGENCE_RETRIES, finetune, iterativePrune } from './retrain.js';
import type { RetrainOptions } from './types.js';

let cached: Dataset | undefined;
const data = (): Dataset => (cached ??= loadDataset('mnist', { limit: 256, testLimit: 100 }));
const small = (): Model => buildZooModel('lenet-300-100', { seed: 1, width: 0.25 });
const retrain = (): RetrainOptions => ({ dataset: data(), lr: 0.05, batchSize: 32, threads: 1, inProcess: true });

function assertMasked(model: Model, masks: Masks): void {
  assert.ok(Object.keys(masks).length > 0);
  for (const [name, m] of Object.entries(masks)) {
    const d = model.graph.initializers.get(name)?.initializer?.data as Float32Array;
    m.forEach((k, i) => assert.ok(k === 1 || Object.is(d[i], 0), `${name}[${i}] = ${d[i]} is masked but nonzero`));
  }
}

test('iterative prune → retrain: masks stay exactly zero through train(), sparsity grows to the target', async () => {
  const seen: number[] = [];
  const r = await iterativePrune(small(), { sparsity: 0.75, cycles: 2, retrain: retrain(), onCycle: (_, s) => void seen.push(s.stats.sparsity) });
  expectClose(seen, [0.5, 0.75], { atol: 1e-3 });
  assertMasked(r.model, r.masks);
  const before = small().graph.initializers.get('fc2.weight')?.initializer?.data as Float32Array;
  const after = r.model.graph.initializers.get('fc2.weight')?.initializer?.data as Float32Array;
  assert.ok(after.some((v, i) => v !== 0 && v !== before[i]), 'surviving weights were retrained');
});

test('AGP at epoch granularity follows the cubic schedule', async () => {
  const seen: number[] = [];
  const r = await agpPrune(small(), { sparsity: 0.8, steps: 2, recoveryEpochs: 1, retrain: retrain(), onSegment: (_, s) => void seen.push(s.stats.sparsity) });
  expectClose(seen, [0, 0.8 - 0.8 * 0.125, 0.8], { atol: 1e-3 });
  assertMasked(r.model, r.masks);
});

test('pruneAndRetrain: magnitude at 80 % with one fine-tuning epoch', async () => {
  const r = await pruneAndRetrain(small(), { ...retrain(), method: 'magnitude', sparsity: 0.8, finetuneEpochs: 1, methodOptions: { scope: 'global' } });
  expectClose(r.stats.sparsity, 0.8, { atol: 1e-3 });
  assertMasked(r.model, r.masks);
  for (const e of [r.beforeError, r.prunedError, r.afterError]) assert.ok(e >= 0 && e <= 1);
  assert.ok(r.afterError < 0.9, `after fine-tuning ${r.afterError}`);
});

test('masked fine-tuning of a conv net: conv and FC zeros stay exactly +0, the other weights move', async () => {
  const model = buildZooModel('lenet5', { seed: 2, width: 0.25 });
  const pruned = magnitudePrune(model, { sparsity: 0.7 });
  const tuned = await finetune(pruned.model, pruned.masks, 1, { ...retrain(), weightDecay: 1e-3 });
  assertMasked(tuned, pruned.masks);
  assert.deepEqual(Object.keys(pruned.masks), ['conv1.weight', 'conv2.weight', 'fc1.weight', 'fc2.weight']);
  for (const name of Object.keys(pruned.masks)) {
    const a = pruned.model.graph.initializers.get(name)?.initializer?.data as Float32Array;
    const b = tuned.graph.initializers.get(name)?.initializer?.data as Float32Array;
    assert.ok(b.some((v, i) => v !== 0 && v !== a[i]), `${name}: kept weights were trained`);
  }
});

test('finetune restarts a diverged run at half the learning rate, warns, and gives up after the retries', async () => {
  const pruned = magnitudePrune(small(), { sparsity: 0.5 });
  const warnings: string[] = [];
  await assert.rejects(
    finetune(pruned.model, pruned.masks, 1, { ...retrain(), lr: 1e30, onWarning: (m) => void warnings.push(m) }),
    (e: unknown) => isSlimnetError(e, 'TRAINING_DIVERGED'),
  );
  assert.equal(warnings.length, DIVERGENCE_RETRIES);
  assert.match(warnings[0] ?? '', /restarting at 0\.5x the learning rate/);
  assert.match(warnings[1] ?? '', /restarting at 0\.25x the learning rate/);
});
