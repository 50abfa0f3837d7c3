import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectClose } from '../testing/expect-close.js';
import { formatSchedule, learningRate, parseSchedule, type Schedule } from './schedule.js';

const at = (s: Schedule, t: number): number => learningRate(s, 0.1, t, 10);

test('constant, step and multistep schedules', () => {
  assert.equal(at({ kind: 'constant' }, 7.5), 0.1);
  expectClose([at({ kind: 'step', stepSize: 3, gamma: 0.5 }, 2.9), at({ kind: 'step', stepSize: 3, gamma: 0.5 }, 3), at({ kind: 'step', stepSize: 3, gamma: 0.5 }, 6.2)], [0.1, 0.05, 0.025]);
  const ms: Schedule = { kind: 'multistep', milestones: [2, 5] };
  expectClose([at(ms, 1.99), at(ms, 2), at(ms, 5), at(ms, 9)], [0.1, 0.01, 0.001, 0.001]);
});

test('cosine goes from lr to minLr over the run', () => {
  const s: Schedule = { kind: 'cosine', minLr: 0.001 };
  expectClose([at(s, 0), at(s, 5), at(s, 10)], [0.1, 0.0505, 0.001]);
});

test('linear warm-up multiplies any schedule', () => {
  const s: Schedule = { kind: 'cosine', warmupEpochs: 2, warmupStartFactor: 0 };
  expectClose(at(s, 0), 0);
  expectClose(at(s, 1), 0.5 * at({ kind: 'cosine' }, 1));
  expectClose(at(s, 2), at({ kind: 'cosine' }, 2));
  expectClose(learningRate({ kind: 'constant', warmupEpochs: 1 }, 1, 0, 5), 0.01);
});

test('parseSchedule reads the CLI form and rejects nonsense', () => {
  assert.deepEqual(parseSchedule('multistep:3,6:0.2+warmup:1'), { kind: 'multistep', milestones: [3, 6], gamma: 0.2, warmupEpochs: 1 });
  assert.deepEqual(parseSchedule('cosine'), { kind: 'cosine' });
  assert.deepEqual(parseSchedule('step:5'), { kind: 'step', stepSize: 5 });
  assert.throws(() => parseSchedule('linear'), /unknown schedule 'linear'/);
  assert.throws(() => parseSchedule('multistep:5,3'), /ascending/);
  assert.throws(() => parseSchedule('step:x'), /bad step size/);
});

test('formatSchedule writes the CLI form parseSchedule reads back', () => {
  for (const text of ['constant', 'step:5', 'step:5:0.5', 'multistep:3,6:0.2+warmup:1', 'cosine', 'cosine:0.001', 'cosine+warmup:0.3', 'constant+warmup:2:0.1']) {
    assert.equal(formatSchedule(parseSchedule(text)), text);
  }
  assert.equal(formatSchedule({ kind: 'cosine', warmupEpochs: 0 }), 'cosine');
});
