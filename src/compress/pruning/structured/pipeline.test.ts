import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Dataset, Split } from '../../../data/types.js';
import { verify } from '../../../ir/verify.js';
import { modelStats } from '../../../metrics/layer-stats.js';
import { Session } from '../../../runtime/session.js';
import { Tensor } from '../../../ir/tensor.js';
import { Rng } from '../../../util/rng.js';
import { buildDependencyGraph } from './dependency.js';
import { buildFixture } from './fixtures.js';
import { magnitudeImportance } from './importance/magnitude.js';
import { structuredPrune } from './pipeline.js';
import { planRemoval } from './policy.js';
import { autoRatios, sensitivity } from './sensitivity.js';

function split(count: number, seed: number): Split {
  const rng = new Rng(seed);
  return {
    images: Float32Array.from({ length: count * 128 }, () => rng.normal()),
    labels: Int32Array.from({ length: count }, () => rng.int(5)),
    count,
    sampleShape: [2, 8, 8],
  };
}

const dataset: Dataset = { name: 'random', numClasses: 5, train: split(64, 1), test: split(32, 2) };

test('policy: local ratios, rounding to a multiple, at least one channel kept, global ranking', () => {
  const dep = buildDependencyGraph(buildFixture('chain'));
  const c1 = dep.groups.find((g) => g.name === 'c1');
  const c2 = dep.groups.find((g) => g.name === 'c2');
  assert.ok(c1 !== undefined && c2 !== undefined);
  const scores = new Map([[c1.id, Float64Array.from([5, 1, 4, 2, 6, 3])], [c2.id, Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5])]]);
  assert.deepEqual(planRemoval(dep, scores, true, { ratio: 0.5 }).get(c1.id), [1, 3, 5]);
  assert.deepEqual(planRemoval(dep, scores, true, { ratio: 0.5, roundTo: 4 }).get(c1.id), [1, 3]);
  // alignTo 4: 3 kept (< 4) stays, 4 kept is aligned, 5 kept would round up to 8 > 6: nothing removed.
  assert.deepEqual(planRemoval(dep, scores, true, { ratio: 0.5, alignTo: 4 }).get(c1.id), [1, 3, 5]);
  assert.deepEqual(planRemoval(dep, scores, true, { ratio: 0.34, alignTo: 4 }).get(c1.id), [1, 3]);
  assert.equal(planRemoval(dep, scores, true, { ratio: 0.17, alignTo: 4 }).get(c1.id), undefined);
  assert.deepEqual(planRemoval(dep, scores, true, { ratio: 0.17 }).get(c1.id), [1]);
  assert.throws(() => planRemoval(dep, scores, true, { ratio: 0.5, alignTo: 0 }), /alignTo must be a positive integer/);
  assert.deepEqual(planRemoval(dep, scores, true, { ratio: 0.9 }).get(c2.id), [0, 1, 2, 3]);
  assert.deepEqual(planRemoval(dep, scores, true, { ratio: { c2: 0.4 } }).get(c1.id), undefined);
  // Global, comparable: the 5 lowest raw scores overall all sit in c2 (which keeps one channel).
  const global = planRemoval(dep, scores, true, { ratio: 5 / 11, ranking: 'global' });
  assert.deepEqual(global.get(c2.id), [0, 1, 2, 3]);
  assert.equal(global.get(c1.id), undefined);
  assert.deepEqual(planRemoval(dep, scores, true, { threshold: 2.5 }).get(c1.id), [1, 3]);
  assert.throws(() => planRemoval(dep, scores, true, { ratio: 1 }), /ratios must be in \[0, 1\)/);
});

test('structuredPrune meets a MACs target on a residual model; the result verifies, runs and reports blocked groups', async () => {
  const model = buildFixture('residual');
  const r = await structuredPrune(model, { criterion: 'l1', target: { macsRatio: 0.4 } });
  assert.ok(r.after.macs <= 0.6 * r.before.macs, `${r.after.macs} vs ${r.before.macs}`);
  assert.ok(r.after.params < r.before.params);
  verify(r.model.graph);
  assert.equal(modelStats(r.model).macs, r.after.macs);
  const fc = r.groups.find((g) => g.name === 'fc');
  assert.equal(fc?.status, 'blocked');
  assert.equal(fc?.blocked[0]?.opType, 'graph output');
  assert.ok(r.groups.some((g) => g.status === 'pruned'));
  const s = await Session.create(r.model, { threads: 1 });
  const out = await s.run({ input: Tensor.f32([2, 2, 8, 8], new Float32Array(256).fill(0.5)) });
  await s.release();
  assert.deepEqual(out.logits?.dims, [2, 5]);
});

test('structuredPrune: channel ratio with rounding, two steps with fine-tuning in between', async () => {
  const model = buildFixture('chain');
  const r = await structuredPrune(model, {
    criterion: 'taylor', target: { ratio: 0.5 }, steps: 2, finetuneEpochs: 1, dataset, roundTo: 2,
    calibrationSamples: 32, train: { inProcess: true, batchSize: 16, threads: 1 },
  });
  assert.equal(r.stepErrors.length, 2);
  const sizes = Object.fromEntries(r.groups.map((g) => [g.name, g.kept]));
  assert.ok((sizes.c1 as number) % 2 === 0 && (sizes.c1 as number) < 6, JSON.stringify(sizes));
  verify(r.model.graph);
});

test('sensitivity curves and automatic per-layer ratios meeting a MACs target', async () => {
  const model = buildFixture('chain');
  const importance = magnitudeImportance();
  const sens = await sensitivity(model, { importance, data: dataset.test, ratios: [0.25, 0.5, 0.75] });
  assert.deepEqual(sens.curves.map((c) => c.name), ['c1', 'c2']);
  for (const c of sens.curves) {
    assert.equal(c.points[0]?.ratio, 0);
    for (let i = 1; i < c.points.length; i++) assert.ok((c.points[i]?.macs as number) < (c.points[i - 1]?.macs as number));
  }
  const r = await structuredPrune(model, { target: { macsRatio: 0.3 }, perLayer: 'auto', dataset, sensitivitySamples: 32 });
  assert.ok(r.after.macs <= 0.7 * r.before.macs);
  assert.ok(r.sensitivity !== undefined);
  assert.throws(() => autoRatios(sens, { macsRatio: 0.999 }, () => ({ macs: 1e12, params: 1e12 })), /cannot remove/);
});

test('SSL trains with a channel group lasso, then prunes the weakest coupled channels', async () => {
  const r = await structuredPrune(buildFixture('residual'), {
    criterion: 'ssl', target: { ratio: 0.25 }, dataset, criterionOptions: { sparsityEpochs: 1, coefficient: 1e-3 },
    train: { inProcess: true, batchSize: 16, threads: 1, validate: false },
  });
  assert.equal(r.criterion, 'ssl');
  assert.ok(r.after.macs < r.before.macs);
  verify(r.model.graph);
});
