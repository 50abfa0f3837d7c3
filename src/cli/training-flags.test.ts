import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { describeTrainSettings, resolveTrainSettings, TRAIN_DEFAULTS } from '../train/defaults.js';
import { parseCommandArgs } from './command.js';
import { distillCommand } from './commands/distill.js';
import { trainCommand } from './commands/train.js';
import { settingsLines, trainingSettings } from './training-flags.js';
import { cli } from '../testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-training-flags-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the flags left out mean exactly the library defaults (train and distill)', () => {
  for (const cmd of [trainCommand, distillCommand]) {
    const s = trainingSettings(parseCommandArgs(cmd, ['--out', 'x.onnx']).options);
    assert.equal(s.epochs, TRAIN_DEFAULTS.epochs, cmd.name);
    const { seed: _cliSeed, ...fromFlags } = resolveTrainSettings(s);
    const { seed: _librarySeed, ...library } = resolveTrainSettings({});
    assert.deepEqual(fromFlags, library, cmd.name);
  }
});

test('flags override the defaults; --validation and --limit go to the data set options', () => {
  const argv = [
    '--lr', '0.1', '--optimizer', 'sgd', '--nesterov', '--weight-decay', '5e-4', '--schedule', 'step:2',
    '--limit', '100', '--validation', '500',
  ];
  const s = trainingSettings(parseCommandArgs(trainCommand, argv).options);
  assert.deepEqual(s.datasetOptions, { limit: 100, validation: 500 });
  const r = resolveTrainSettings(s);
  assert.deepEqual(r.optimizer, { kind: 'sgd', momentum: TRAIN_DEFAULTS.momentum, nesterov: true, weightDecay: 5e-4 });
  assert.equal(r.lr, 0.1);
  assert.deepEqual(r.schedule, { kind: 'step', stepSize: 2 });
  assert.deepEqual(settingsLines(s, r), [
    `settings: ${TRAIN_DEFAULTS.epochs} epoch${TRAIN_DEFAULTS.epochs === 1 ? '' : 's'}, ${describeTrainSettings(r)}`,
    'data: mnist, first 100 training samples; errors on a validation split: the last 500 training samples ' +
      '(not the test split)',
  ]);
});

test('slimnet train prints the settings it used and labels a held-out split as validation', async () => {
  const quick = [
    '--model', 'lenet-300-100', '--width', '0.25', '--epochs', '1', '--limit', '128', '--validation', '1000', '--threads', '1',
  ];
  const r = await cli('train', ...quick, '--out', join(dir, 'a.onnx'));
  assert.equal(r.code, 0, r.err);
  const lr = TRAIN_DEFAULTS.lr.sgd;
  assert.match(r.out, new RegExp(`^settings: 1 epoch, sgd momentum 0\\.9, lr ${lr}, schedule cosine`, 'm'));
  assert.match(r.out, /errors on a validation split: the last 1000 training samples/);
  assert.match(r.out, /validation error/);
  assert.doesNotMatch(r.out, /test error/);
  const j = JSON.parse((await cli('train', ...quick, '--out', join(dir, 'b.onnx'), '--json')).out) as {
    settings: { epochs: number; lr: number; batchSize: number }; data: { validation: number; errorsOn: string };
  };
  assert.equal(j.settings.epochs, 1);
  assert.equal(j.settings.lr, lr);
  assert.equal(j.settings.batchSize, TRAIN_DEFAULTS.batchSize);
  assert.deepEqual([j.data.validation, j.data.errorsOn], [1000, 'validation']);
});
