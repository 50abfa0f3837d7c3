import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDataset } from '../../../data/load.js';
import { isSlimnetError } from '../../../ir/errors.js';
import { buildZooModel } from '../../../zoo/index.js';
import { resolveMethodOptions } from '../../registry.js';
import { quantizationMethod, quantizationMethods } from '../methods.js';
import { quantize } from '../quantize.js';
import { binaryTrainOptions } from './quantize-adapter.js';

const data = loadDataset('mnist', { limit: 256, testLimit: 64 });

test('binary methods are registered with the quantize registry; options map to trainBinary options', () => {
  const names = quantizationMethods.map((m) => m.name);
  for (const n of ['bc', 'bwn', 'xnor', 'bnn', 'twn', 'ttq', 'dorefa', 'hwgq']) assert.ok(names.includes(n), n);
  const dorefa = quantizationMethod('dorefa');
  const o = resolveMethodOptions(dorefa, { epochs: '2', activationBits: '4', schedule: 'cosine' });
  assert.deepEqual(binaryTrainOptions('dorefa', o, { data, threads: 1, seed: 3 }), {
    method: 'dorefa', dataset: data, epochs: 2, optimizer: 'adam', schedule: { kind: 'cosine' }, batchSize: 64,
    weightBits: 1, activationBits: 4, validate: false, threads: 1, seed: 3,
  });
  const xnor = binaryTrainOptions('xnor', resolveMethodOptions(quantizationMethod('xnor'), { noActivationScale: true, lr: '0.0005' }), { data });
  assert.equal(xnor.activationScale, false);
  assert.equal(xnor.lr, 0.0005);
  assert.equal(xnor.activationBits, undefined);
  assert.equal(binaryTrainOptions('bc', resolveMethodOptions(quantizationMethod('bc'), { stochastic: 'true' }), { data }).stochastic, true);
});

test('binary methods: typed errors for options of another method, bad values and missing data', () => {
  assert.throws(() => resolveMethodOptions(quantizationMethod('bwn'), { stochastic: true }), (e: unknown) => isSlimnetError(e, 'INVALID_ARGUMENT') && /unknown option 'stochastic' for method 'bwn' \(valid: /.test(e.message));
  assert.throws(() => resolveMethodOptions(quantizationMethod('hwgq'), { activationBits: '9' }), /'activationBits' must be in \[1, 8\]/);
  assert.throws(() => resolveMethodOptions(quantizationMethod('ttq'), { optimizer: 'rmsprop' }), /must be one of adam, sgd, adamw/);
  const o = resolveMethodOptions(quantizationMethod('twn'), {});
  assert.throws(() => binaryTrainOptions('twn', o, {}), (e: unknown) => isSlimnetError(e, 'INVALID_ARGUMENT') && /needs a data set for fine-tuning/.test(e.message));
  assert.throws(() => binaryTrainOptions('twn', resolveMethodOptions(quantizationMethod('twn'), { schedule: 'wavy' }), { data }), /unknown schedule 'wavy'/);
});

test('quantize --method bwn runs end to end: ±1 codes, first / last layer float, input untouched, measured', async () => {
  const model = buildZooModel('lenet5', { seed: 4, width: 0.25 });
  const before = Float32Array.from(model.graph.initializers.get('conv2.weight')!.initializer!.toFloat32());
  const r = await quantize(model, { method: 'bwn', options: { epochs: 2, batchSize: 32, lr: 0.005 }, data, threads: 1, seed: 1, inProcess: true, measure: { latencyRuns: 1, batchSizes: [1] } });
  assert.deepEqual(model.graph.initializers.get('conv2.weight')!.initializer!.toFloat32(), before);
  for (const w of ['conv2.weight', 'fc1.weight']) assert.deepEqual([...new Set(r.model.graph.initializers.get(w)!.initializer!.toFloat32())].sort(), [-1, 1], w);
  assert.equal(r.report['weightBits'], 1);
  assert.deepEqual(r.report['fullPrecision'], ['conv1', 'fc2']);
  assert.equal(r.measurement?.error?.samples, 64);
  assert.ok(r.measurement.error.after < 0.9, `error ${r.measurement.error.after}`);
  assert.ok(r.summary.some((b) => typeof b === 'string' && /packed .*x\)/.test(b)));
});
