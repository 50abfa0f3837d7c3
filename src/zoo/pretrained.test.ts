import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { loadDataset } from '../data/load.js';
import { loadModel } from '../onnx/index.js';
import { evaluate } from '../runtime/evaluate.js';
import { pretrainedModelNames, pretrainedModels, resolvePretrained } from './pretrained.js';
import { zooModelNames } from './index.js';

test('every pretrained model ships, names a zoo architecture, and reaches its recorded test error', async () => {
  const fashion = existsSync('/usr/share/datasets/fashion-mnist');
  for (const name of pretrainedModelNames()) {
    const entry = pretrainedModels[name];
    assert.ok(entry !== undefined);
    assert.ok(zooModelNames().includes(entry.architecture), `${name}: unknown architecture ${entry.architecture}`);
    const found = resolvePretrained(name);
    assert.ok(found !== undefined, `${name}: models/${entry.file} is missing`);
    if (entry.dataset === 'fashion-mnist' && !fashion && process.env['CI'] !== 'true') continue;
    const { test: split } = loadDataset(entry.dataset);
    const r = await evaluate(loadModel(found.path), split, { threads: 1 });
    assert.ok(Math.abs(r.top1Error - entry.testError) < 5e-5, `${name}: measured ${r.top1Error}, recorded ${entry.testError}`);
  }
});

test('an unknown name is not a pretrained model', () => {
  assert.equal(resolvePretrained('lenet5'), undefined);
  assert.equal(resolvePretrained('constructor'), undefined);
});
