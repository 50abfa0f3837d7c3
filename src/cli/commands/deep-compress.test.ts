import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DEEP_COMPRESS_DEFAULTS as D } from '../../compress/coding/deep-compress.js';
import { saveModel } from '../../onnx/index.js';
import { buildZooModel } from '../../zoo/index.js';
import { formatSchedule } from '../../train/schedule.js';
import { formatDeepCompressSettings } from './deep-compress.js';
import { cli } from '../../testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-dc-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Summary {
  settings: {
    pruneMethod: string; pruneSparsity: number; pruneOptions: Record<string, unknown>; retrainEpochs: number;
    bits: unknown; seed: number;
  };
  sparsity: { layers: Array<{ sparsity: number }>; sparsity: number };
}

test('deep-compress prints and returns the settings in effect: the defaults, and overrides', async () => {
  const model = join(dir, 'small.onnx');
  saveModel(buildZooModel('lenet-300-100', { width: 0.25, seed: 1 }), model);
  const quick = [
    '--retrain-epochs', '0', '--finetune-epochs', '0', '--limit', '128', '--latency-runs', '0', '--threads', '1',
  ];
  const text = await cli('deep-compress', model, ...quick, '--out', join(dir, 'a.sldc'));
  assert.equal(text.code, 0, text.err);
  const sparsity = `${(100 * D.pruneSparsity).toFixed(1)} % of the weights`;
  assert.ok(text.out.includes(`settings: prune ${D.pruneMethod} (`), text.out);
  assert.ok(text.out.includes(`scope global`), text.out);
  const retrain = `to ${sparsity}; retrain 0 epoch(s), SGD lr ${D.retrainLr} ${formatSchedule(D.retrainSchedule)}`;
  assert.ok(text.out.includes(retrain), text.out);
  assert.ok(text.out.includes(`k-means bits conv ${D.bits.conv}, fc ${D.bits.fc}`), text.out);
  const json = await cli('deep-compress', model, ...quick, '--seed', '2', '--out', join(dir, 'b.sldc'), '--json');
  const j = JSON.parse(json.out) as Summary;
  assert.equal(j.settings.pruneMethod, D.pruneMethod);
  assert.equal(j.settings.pruneSparsity, D.pruneSparsity);
  assert.equal(j.settings.pruneOptions['scope'], 'global');
  assert.deepEqual(j.settings.bits, D.bits);
  assert.equal(j.settings.seed, 2);
  const s = j.sparsity.layers.map((l) => l.sparsity);
  assert.ok(Math.max(...s) - Math.min(...s) > 0.05, `one global threshold: per-layer sparsities ${s.join(', ')}`);
  const layer = JSON.parse((await cli(
    'deep-compress', model, ...quick, '--prune', 'magnitude', '--sparsity', '0.8', '--prune-options', 'scope=layer',
    '--fc-bits', '4', '--out', join(dir, 'c.sldc'), '--json',
  )).out) as Summary;
  assert.equal(layer.settings.pruneOptions['scope'], 'layer');
  assert.deepEqual(layer.settings.bits, { conv: D.bits.conv, fc: 4 });
  for (const x of layer.sparsity.layers) assert.ok(Math.abs(x.sparsity - 0.8) < 1e-2, `layer scope: ${x.sparsity}`);
});

test('formatDeepCompressSettings names per-layer sparsities and numeric bits', () => {
  const lines = formatDeepCompressSettings({
    trainEpochs: 0, pruneMethod: 'iterative', pruneSparsity: { conv1: 0.34, fc1: 0.92 },
    pruneOptions: { cycles: 2, scope: 'layer' }, retrainEpochs: 2, retrainLr: 0.05, retrainSchedule: { kind: 'cosine' },
    weightDecay: 0, bits: 6, init: 'linear',
    finetuneEpochs: 1, finetuneLr: 0.01, gapBits: { conv: 8, fc: 4 }, batchSize: 64, seed: 0,
  });
  assert.match(lines[0] ?? '', /prune iterative \(cycles 2, scope layer\) to conv1 34\.0 %, fc1 92\.0 %; retrain 2/);
  assert.match(lines[0] ?? '', /SGD lr 0\.05 cosine/);
  assert.match(lines[1] ?? '', /k-means bits 6 \(linear init\).*relative-index bits conv 8, fc 4/);
});
