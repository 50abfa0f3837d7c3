import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDataset } from '../../../data/load.js';
import type { Dataset } from '../../../data/types.js';
import type { Model } from '../../../ir/graph.js';
import { evaluate } from '../../../runtime/evaluate.js';
import { buildZooModel } from '../../../zoo/index.js';
import { glorotScale } from './binary-connect.js';
import { trainBinary, type TrainBinaryOptions } from './train-binary.js';
import { planBinary } from './plan.js';
import { ttqCodes, ttqScaleNames } from './ttq.js';

let cached: Dataset | undefined;
const data = (): Dataset => (cached ??= loadDataset('mnist', { limit: 256, testLimit: 128 }));
const lenet = (): Model => buildZooModel('lenet5', { seed: 4, width: 0.25 });
const opts = (method: TrainBinaryOptions['method'], over: Partial<TrainBinaryOptions> = {}): TrainBinaryOptions => ({
  method, dataset: data(), epochs: 1, batchSize: 32, threads: 1, seed: 1, inProcess: true, ...over,
});
const values = (m: Model, name: string): Float32Array => m.graph.initializers.get(name)!.initializer!.toFloat32();

test('XNOR-Net trains and its deployed model evaluates to the error training reported', async () => {
  const r = await trainBinary(lenet(), opts('xnor'));
  assert.equal(r.report.weightBits, 1);
  assert.equal(r.report.activationBits, 1);
  assert.deepEqual(r.report.fullPrecision, ['conv1', 'fc2']);
  assert.ok(r.report.testError < 0.9, `test error ${r.report.testError}`);
  const e = await evaluate(r.model, data().test, { threads: 1 });
  assert.ok(Math.abs(e.top1Error - r.report.testError) <= 2 / 128, `deployed ${e.top1Error} vs training ${r.report.testError}`);
  assert.ok(r.report.size.ratio > 5, `ratio ${r.report.size.ratio}`);
});

test('TTQ learns its scales; BinaryConnect (stochastic) keeps the real weights inside [−H, H]', async () => {
  const ttq = await trainBinary(lenet(), opts('ttq', { lr: 0.01 }));
  const names = ttqScaleNames('conv2.weight');
  const wp = values(ttq.fakeQuant, names.positive)[0]!;
  const planned = planBinary(lenet(), 'ttq').layers[0]!.layout.initial;
  assert.notEqual(wp, ttqCodes(planned).wp, 'W_p moved from its initial value');
  assert.ok(new Set(values(ttq.model, 'conv2.weight')).size <= 3);

  const bc = await trainBinary(lenet(), opts('bc', { stochastic: true, lr: 0.01 }));
  const w = values(bc.fakeQuant, 'fc1.weight');
  const h = glorotScale({ dims: bc.model.graph.initializers.get('fc1.weight')!.initializer!.dims, channelAxis: 0 });
  assert.ok(w.every((v) => Math.abs(v) <= h * (1 + 1e-6)), 'real weights clipped');
  assert.ok(w.some((v) => Math.abs(v) >= h * (1 - 1e-6)), 'some weights reached the clip bound');
});

test('stochastic BinaryConnect re-estimates the deployed BatchNorm statistics by default; 0 keeps the training run\'s', async () => {
  const vgg = (): Model => buildZooModel('vgg', { seed: 4, width: 0.25 });
  const stats = (m: Model): number[] => m.graph.nodes.filter((n) => n.opType === 'BatchNormalization').flatMap((n) => [...n.input(3).initializer!.toFloat32()]);
  const recal = await trainBinary(vgg(), opts('bc', { stochastic: true, lr: 0.01 }));
  assert.equal(recal.report.batchNormRecalibration, 256); // all 256 training images (default 2048, capped)
  assert.notDeepEqual(stats(recal.model), stats(recal.fakeQuant));
  const kept = await trainBinary(vgg(), opts('bc', { stochastic: true, lr: 0.01, recalibrateBatchNorm: 0 }));
  assert.equal(kept.report.batchNormRecalibration, 0);
  assert.deepEqual(stats(kept.model), stats(kept.fakeQuant));
  const deterministic = await trainBinary(lenet(), opts('bc', { lr: 0.01 }));
  assert.equal(deterministic.report.batchNormRecalibration, 0);
});
