import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDataset } from '../../data/load.js';
import { isSlimnetError } from '../../ir/errors.js';
import { loadModel } from '../../onnx/index.js';
import { TRAIN_DEFAULTS } from '../../train/defaults.js';
import { resolvePretrained } from '../../zoo/pretrained.js';
import { distill } from './distill.js';
import { softTargetLr } from './kd.js';

// The failure of issue 13: Hinton KD (T 4, alpha 0.9) from a confident LeNet-5 teacher into a fresh LeNet-5
// diverged within ten steps at lr 0.01 without warm-up. The soft-target gradient is alpha * T * (q - p), up to
// 3.6x the cross-entropy's, and the zoo LeNet-5 diverges on plain labels already at lr 0.02 without warm-up.
test('kd from a confident teacher converges with the default settings (the old constant rate diverged)', async () => {
  const found = resolvePretrained('lenet5-mnist');
  assert.ok(found !== undefined, 'models/lenet5-mnist.onnx is shipped with the repository');
  const teacher = loadModel(found.path);
  const data = loadDataset('mnist', { limit: 3000, testLimit: 500 });
  const run = (over: object): ReturnType<typeof distill> => distill({
    method: 'kd', teacher, student: 'lenet5', dataset: data, epochs: 1, threads: 1, inProcess: true, ...over,
  });
  const diverged = (e: unknown): boolean => isSlimnetError(e, 'TRAINING_DIVERGED');
  await assert.rejects(run({ lr: 0.01, schedule: { kind: 'constant' } }), diverged);
  const r = await run({});
  assert.deepEqual(r.settings.schedule, TRAIN_DEFAULTS.schedule);
  assert.equal(r.settings.lr, 0.0054, 'the training default over alpha * T + 1 - alpha = 3.7');
  assert.equal(r.methodSettings, 'temperature 4, alpha 0.9');
  assert.ok(Number.isFinite(r.history[0]!.trainLoss), `train loss ${r.history[0]!.trainLoss}`);
  assert.ok(r.testError < 0.2, `student test error ${r.testError}`);
});

test('softTargetLr divides the SGD default by the soft-target gradient bound; given rates and Adam are kept', () => {
  const sgd = TRAIN_DEFAULTS.lr.sgd;
  assert.equal(softTargetLr({}, { temperature: 4, alpha: 0.9 }), Number((sgd / 3.7).toPrecision(2)));
  assert.equal(softTargetLr({}, { temperature: 20, alpha: 0.5 }), Number((sgd / 10.5).toPrecision(2)));
  assert.equal(softTargetLr({}, { temperature: 0.5, alpha: 1 }), sgd, 'never above the training default');
  assert.equal(softTargetLr({}, { temperature: 4, alpha: 0 }), undefined, 'no soft targets: the training default');
  assert.equal(softTargetLr({ lr: 0.1 }, { temperature: 4, alpha: 0.9 }), undefined);
  assert.equal(softTargetLr({ optimizer: 'adam' }, { temperature: 4, alpha: 0.9 }), undefined);
});
