import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDataset } from '../../data/load.js';
import { isSlimnetError } from '../../ir/errors.js';
import { buildZooModel } from '../../zoo/index.js';
import { resolveMethodOptions } from '../registry.js';
import { quantizationMethod } from '../quantization/methods.js';
import { quantize } from '../quantization/quantize.js';
import { readBuckets, readHashedLayers } from './hashed/layers.js';
import { unpackHashed } from './hashed/pack.js';
import { sharingMethodOptions } from './quantize-adapter.js';

test('quantize --method hashed trains the buckets and returns the packed form that unpacks to the model', async () => {
  const data = loadDataset('mnist', { limit: 256, testLimit: 64 });
  const model = buildZooModel('lenet-300-100', { seed: 1 });
  const r = await quantize(model, { method: 'hashed', options: { factor: '16', epochs: 1, optimizer: 'adam' }, data, threads: 1, inProcess: true, measure: { latencyRuns: 0 } });
  assert.ok((r.report['ratio'] as number) > 10, `ratio ${String(r.report['ratio'])}`);
  assert.ok(r.packed !== undefined && r.packed.extension === 'slhn');
  assert.equal(r.measurement?.size.packed, r.packed.bytes.length);
  assert.ok(r.packed.bytes.length < 0.1 * (r.measurement?.size.before ?? 0));
  assert.equal(r.measurement?.error?.samples, 64);
  const back = unpackHashed(r.packed.bytes);
  const layers = readHashedLayers(r.model);
  assert.equal(layers.length, 3);
  for (const l of layers) assert.deepEqual(readBuckets(back, l), readBuckets(r.model, l), l.node);
});

test('quantize --method circulant rewrites without data at --epochs 0; options are checked', async () => {
  const model = buildZooModel('lenet-300-100', { seed: 1 });
  const r = await quantize(model, { method: 'circulant', options: { epochs: 0, exclude: 'fc3', mode: 'dense' }, measure: false });
  const layers = r.report['layers'] as Array<{ node: string; params: number }>;
  assert.deepEqual(layers.map((l) => [l.node, l.params]), [['fc1', 1024], ['fc2', 512]]);
  assert.equal(r.packed, undefined);
  const circ = quantizationMethod('circulant');
  assert.throws(() => sharingMethodOptions('circulant', resolveMethodOptions(circ, { size: 'big' }), {}), /'size' must be pow2, exact or a positive integer/);
  assert.throws(() => sharingMethodOptions('circulant', resolveMethodOptions(circ, {}), {}), (e: unknown) => isSlimnetError(e, 'INVALID_ARGUMENT') && /needs a data set for training after the rewrite/.test(e.message));
  assert.throws(() => resolveMethodOptions(circ, { factor: 4 }), /unknown option 'factor' for method 'circulant' \(valid: /);
  const hashed = quantizationMethod('hashed');
  assert.deepEqual(sharingMethodOptions('hashed', resolveMethodOptions(hashed, { layerFactors: 'fc1=32,fc3=2', epochs: 0 }), { seed: 5 }).factors, { fc1: 32, fc3: 2 });
  assert.throws(() => sharingMethodOptions('hashed', resolveMethodOptions(hashed, { layerFactors: 'fc1:3', epochs: 0 }), {}), /LAYER=FACTOR/);
});
