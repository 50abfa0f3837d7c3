import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDataset } from '../data/load.js';
import { Tensor } from '../ir/tensor.js';
import { buildZooModel } from '../zoo/index.js';
import { inferenceWithTransforms, train } from './trainer.js';
import { buildTrainingGraph } from './training-graph.js';
import type { ActivationSelector, TransformSelector, WeightTransform } from './transforms.js';

/** A learned activation scale (owned parameter) on the edge into fc2. */
const scaleInto = (layer: string): ActivationSelector => {
  const t: WeightTransform = { forward: (b, x, ctx) => b.op('Mul', [x, ctx.param(`${layer}__act_scale`, Tensor.f32([], [1]))]) };
  return (a) => (a.consumer.name === layer && a.index === 0 ? t : undefined);
};
const clampFc1: TransformSelector = (p) => (p.name === 'fc1.weight' ? { forward: (b, w) => b.op('Identity', [w]), backward: 'identity', clamp: { min: -0.05, max: 0.05 } } : undefined);

test('activation transforms: inserted on the chosen edge in the training graph and the inference model; owned parameters train', async () => {
  const model = buildZooModel('lenet-300-100', { seed: 1, width: 0.25 });
  const tg = buildTrainingGraph(model, { optimizer: { kind: 'sgd', momentum: 0.9 }, activations: scaleInto('fc2') });
  assert.ok(tg.info.params.some((p) => p.name === 'fc2__act_scale'));
  const fc2 = tg.model.graph.findNode('fc2')!;
  assert.equal(fc2.input(0).producer?.opType, 'Mul');
  const inf = inferenceWithTransforms(model, { activations: scaleInto('fc2') });
  assert.deepEqual(inf.graph.initializers.get('fc2__act_scale')?.initializer?.toNumbers(), [1]);
  assert.equal(inf.graph.findNode('fc2')!.input(0).producer?.opType, 'Mul');

  const data = loadDataset('mnist', { limit: 128, testLimit: 64 });
  const r = await train({
    model, dataset: data, epochs: 1, batchSize: 32, lr: 0.05, threads: 1, inProcess: true,
    hooks: { activations: scaleInto('fc2'), transforms: clampFc1 },
  });
  const s = r.model.graph.initializers.get('fc2__act_scale')!.initializer!.toNumbers()[0]!;
  assert.notEqual(s, 1, 'the owned scale was trained');
  const w = r.model.graph.initializers.get('fc1.weight')!.initializer!.toFloat32();
  assert.ok(w.every((v) => Math.abs(v) <= Math.fround(0.05)), 'fc1 clamped to [-0.05, 0.05] after every update');
  assert.ok(w.some((v) => Math.abs(v) === Math.fround(0.05)), 'some weights sit on the bound');
});
