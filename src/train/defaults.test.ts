import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildZooModel } from '../zoo/index.js';
import { describeTrainSettings, resolveTrainSettings, TRAIN_DEFAULTS } from './defaults.js';
import { parseSchedule } from './schedule.js';
import { prepareTraining } from './trainer.js';

test('resolveTrainSettings fills every left-out setting from TRAIN_DEFAULTS', () => {
  const s = resolveTrainSettings({});
  assert.equal(s.batchSize, TRAIN_DEFAULTS.batchSize);
  assert.equal(s.lr, TRAIN_DEFAULTS.lr.sgd);
  assert.deepEqual(s.schedule, TRAIN_DEFAULTS.schedule);
  assert.equal(s.seed, TRAIN_DEFAULTS.seed);
  assert.equal(s.threads, TRAIN_DEFAULTS.threads);
  assert.deepEqual(s.optimizer, {
    kind: 'sgd', momentum: TRAIN_DEFAULTS.momentum, nesterov: TRAIN_DEFAULTS.nesterov,
    weightDecay: TRAIN_DEFAULTS.weightDecay.sgd,
  });
});

test('per-optimizer defaults: Adam and AdamW get their own rate and weight decay', () => {
  const adam = resolveTrainSettings({ optimizer: 'adam' });
  assert.equal(adam.lr, TRAIN_DEFAULTS.lr.adam);
  const weightDecay = TRAIN_DEFAULTS.weightDecay.adam;
  assert.deepEqual(adam.optimizer, { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay });
  const adamw = resolveTrainSettings({ optimizer: 'adamw', adam: { beta2: 0.99 } });
  assert.equal(adamw.optimizer.weightDecay, TRAIN_DEFAULTS.weightDecay.adamw);
  assert.equal(adamw.optimizer.kind === 'adamw' ? adamw.optimizer.beta2 : undefined, 0.99);
});

test('given settings win over the defaults; Nesterov is never implied without momentum', () => {
  const s = resolveTrainSettings({
    lr: 0.3, batchSize: 8, momentum: 0, weightDecay: 1e-4, schedule: { kind: 'constant' }, seed: 5, threads: 1,
  });
  assert.deepEqual(s, {
    batchSize: 8, lr: 0.3, optimizer: { kind: 'sgd', momentum: 0, nesterov: false, weightDecay: 1e-4 },
    schedule: { kind: 'constant' }, seed: 5, threads: 1,
  });
  const nesterovOn = { ...TRAIN_DEFAULTS, nesterov: true };
  const nesterov = (o: { momentum?: number }): boolean | undefined => {
    const spec = resolveTrainSettings(o, nesterovOn).optimizer;
    return spec.kind === 'sgd' ? spec.nesterov : undefined;
  };
  assert.equal(nesterov({ momentum: 0 }), false);
  assert.equal(nesterov({}), true);
});

test('describeTrainSettings names every setting in the form the CLI accepts', () => {
  const schedule = parseSchedule('cosine+warmup:0.5');
  const line = describeTrainSettings(resolveTrainSettings({ nesterov: true, weightDecay: 5e-4, schedule }));
  const lr = TRAIN_DEFAULTS.lr.sgd;
  assert.equal(line, `sgd momentum 0.9 nesterov, lr ${lr}, schedule cosine+warmup:0.5, weight decay 0.0005, batch 64, seed 0`);
  const adamw = describeTrainSettings(resolveTrainSettings({ optimizer: 'adamw' }));
  assert.match(adamw, /^adamw betas 0\.9\/0\.999 eps 1e-8, lr 0\.001, .*weight decay 0\.01/);
});

test('train() uses the same defaults: the worker request carries them', () => {
  const req = prepareTraining({ model: buildZooModel('lenet-300-100', { width: 0.1 }), dataset: 'mnist', epochs: 1 });
  const d = resolveTrainSettings({});
  assert.equal(req.lr, d.lr);
  assert.equal(req.batchSize, d.batchSize);
  assert.deepEqual(req.schedule, d.schedule);
  assert.deepEqual(req.optimizer, d.optimizer);
  assert.equal(req.seed, d.seed);
  assert.equal(req.threads, d.threads);
});
