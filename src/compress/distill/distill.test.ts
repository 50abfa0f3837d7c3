import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadDataset } from '../../data/load.js';
import type { Dataset } from '../../data/types.js';
import { isSlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { loadModel } from '../../onnx/index.js';
import { Session } from '../../runtime/session.js';
import { expectClose } from '../../testing/expect-close.js';
import { evaluate } from '../../testing/grad-models.js';
import { TrainingFeeds } from '../../train/feeds.js';
import { prepareTraining, train } from '../../train/trainer.js';
import { buildZooModel, vgg } from '../../zoo/index.js';
import { distill } from './distill.js';
import { kdLossBuilder } from './kd.js';
import { pairBySpatialSize } from './layers.js';
import { hintLoss } from './losses.js';
import { addRegressor } from './regressor.js';
import { setupDistillation, studentValue, teacherValues, trainStage } from './stage.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-distill-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let cached: Dataset | undefined;
const data = (): Dataset => (cached ??= loadDataset('mnist', { limit: 256, testLimit: 128 }));
// A constant rate: these tests check the methods on a few steps, not the training defaults.
const common = { dataset: 'mnist', batchSize: 32, threads: 1, seed: 3, inProcess: true, schedule: { kind: 'constant' } } as const;
const tinyCnn = (plan: Array<number | 'M'>, seed: number): Model => vgg({ plan, seed });
const mlp = (width: number, seed: number): Model => buildZooModel('lenet-300-100', { width, seed });
const init = (m: Model, name: string): Float32Array => m.graph.initializers.get(name)?.initializer?.data as Float32Array;

test('one training step computes kdLoss of the teacher (inference mode) and the student, and trains no teacher weight', async () => {
  const teacher = tinyCnn([4, 'M', 8, 'M'], 1);
  init(teacher, 'features.1.1.bn.running_mean').set([0.3, -0.2, 0.5, 0.1]);
  init(teacher, 'features.1.1.bn.running_var').set([2, 0.5, 1.5, 3]);
  const student = mlp(0.05, 2);
  const [T, alpha] = [5, 0.6];
  const s = setupDistillation({ ...common, teacher, student, dataset: data(), epochs: 1 }, true);
  const req = prepareTraining({ model: s.student, dataset: data(), epochs: 1, hooks: { loss: kdLossBuilder(s, { temperature: T, alpha }) } });
  assert.ok(req.info.params.every((p) => !p.name.startsWith('teacher/')), 'no teacher weight is trainable');
  const values = new Map(req.info.params.map((p) => [p.name, Float32Array.from(init(student, p.name))]));
  const feeds = new TrainingFeeds(req.info, values, {}, 16);
  const x = data().test.images.subarray(0, 16 * 784);
  const y = data().test.labels.subarray(0, 16);
  feeds.setBatch(x, [16, 1, 28, 28], y);
  feeds.setScalar(req.info.scalars.lr, 0);
  const session = await Session.create(req.trainingGraph, { threads: 1 });
  const loss = (await session.run(feeds.feeds))[req.info.loss]!.toNumbers()[0]!;
  await session.release();
  const input = new Tensor('float32', [16, 1, 28, 28], x);
  const tl = (await evaluate(teacher, { input }))['logits']!.toNumbers();
  const sl = (await evaluate(student, { input }))['logits']!.toNumbers();
  let want = 0;
  for (let n = 0; n < 16; n++) {
    const [zs, zt] = [sl.slice(n * 10, n * 10 + 10), tl.slice(n * 10, n * 10 + 10)];
    const logSoftmax = (z: number[], scale: number): number[] => {
      const m = Math.max(...z.map((v) => v * scale));
      const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v * scale - m), 0));
      return z.map((v) => v * scale - lse);
    };
    const [lq, lp, ls] = [logSoftmax(zs, 1 / T), logSoftmax(zt, 1 / T), logSoftmax(zs, 1)];
    const kl = lp.reduce((a, v, c) => a + Math.exp(v) * (v - lq[c]!), 0);
    want += (alpha * T * T * kl - (1 - alpha) * ls[y[n]!]!) / 16;
  }
  expectClose([loss], [want], { rtol: 1e-4 });
});

test('kd with soft targets only makes the student agree with its teacher', async () => {
  const { model: teacher } = await train({ ...common, dataset: data(), model: mlp(0.25, 1), epochs: 3, lr: 0.05 });
  const student = mlp(0.1, 4);
  const test = data().test;
  const input = new Tensor('float32', [test.count, 1, 28, 28], test.images);
  const argmax = async (m: Model): Promise<number[]> => {
    const z = (await evaluate(m, { input }))['logits']!.toNumbers();
    return Array.from({ length: test.count }, (_, n) => z.slice(n * 10, n * 10 + 10).reduce((best, v, c, row) => (v > row[best]! ? c : best), 0));
  };
  const agreement = (a: number[], b: number[]): number => a.filter((v, i) => v === b[i]).length / a.length;
  const tp = await argmax(teacher);
  const r = await distill({ ...common, dataset: data(), method: 'kd', teacher, student, epochs: 5, lr: 0.01, temperature: 4, alpha: 1, evaluateTeacher: true });
  const before = agreement(await argmax(student), tp);
  const afterKd = agreement(await argmax(r.model), tp);
  assert.ok(afterKd > 0.65 && afterKd > before + 0.3, `agreement with the teacher ${before} -> ${afterKd}`);
  assert.equal(r.history.length, 5);
  assert.ok(r.history.every((h) => h.stage === 'distill'));
  assert.ok(r.teacherTestError !== undefined && r.teacherTestError < 0.5, `teacher error ${r.teacherTestError}`);
  assert.deepEqual([...r.model.graph.initializers.keys()], [...student.graph.initializers.keys()]);
});

test('FitNets stage 1 trains only the student below the guided layer, plus the regressor', async () => {
  const teacher = tinyCnn([6, 'M', 8, 'M'], 1);
  const student = tinyCnn([2, 'M', 3, 'M'], 2);
  const s = setupDistillation({ ...common, teacher, student, dataset: data(), epochs: 1 }, true);
  const [, mid] = pairBySpatialSize(s.student, s.teacher);
  assert.equal(mid?.teacher.value, s.teacher.graph.findNode('features.2.2.bn')?.outputs[0]?.uses[0]?.node.outputs[0]?.name);
  const { model, regressor } = addRegressor(s.student, mid!.student, mid!.teacher, 5);
  assert.deepEqual(model.graph.initializers.get(regressor.params[0]!)?.initializer?.dims, [8, 3, 1, 1]);
  const r = await trainStage(s, {
    stage: 'hint', model, epochs: 2, validate: false,
    loss: (ctx) => hintLoss(ctx.b, studentValue(ctx, regressor.output), teacherValues(s, ctx, [mid!.teacher.value])[0]!),
  });
  const [e1, e2] = r.history;
  assert.ok(e2!.trainLoss < e1!.trainLoss, `hint loss ${e1!.trainLoss} -> ${e2!.trainLoss}`);
  const changed = (name: string): boolean => init(r.model, name).some((v, i) => v !== init(model, name)[i]);
  assert.ok(changed('features.1.1.conv.weight') && changed('features.2.2.conv.weight') && changed(regressor.params[0]!));
  assert.ok(!changed('classifier.weight') && !changed('classifier.bias'), 'the classifier above the guided layer gets no gradient');
});

test('distill fitnets runs both stages, removes the regressor and writes the student atomically', async () => {
  const out = join(dir, 'fitnets.onnx');
  const student = tinyCnn([2, 'M', 3, 'M'], 2);
  const stages: string[] = [];
  const r = await distill({
    ...common, dataset: data(), method: 'fitnets', teacher: tinyCnn([6, 'M', 8, 'M'], 1), student, epochs: 1, hintEpochs: 2, lr: 0.02,
    output: out, onProgress: (p) => { if (p.kind === 'epoch') stages.push(p.stage); },
  });
  assert.deepEqual(r.history.map((h) => h.stage), ['hint', 'hint', 'distill']);
  assert.deepEqual(stages, ['hint', 'hint', 'distill']);
  assert.ok(Number.isNaN(r.history[0]!.testError) && r.testError < 0.95);
  assert.deepEqual([...loadModel(out).graph.initializers.keys()], [...student.graph.initializers.keys()]);
  assert.equal(loadModel(out).graph.outputs.length, 1);
});

test('attention transfer pairs the ends of each resolution by default and trains', async () => {
  const teacher = tinyCnn([6, 6, 'M', 8, 'M'], 1);
  const student = tinyCnn([2, 'M', 3, 'M'], 2);
  const s = setupDistillation({ ...common, teacher, student, dataset: data(), epochs: 1 }, false);
  const pairs = pairBySpatialSize(s.student, s.teacher).map((p) => [p.student.shape.slice(2).join('x'), p.teacher.shape.slice(2).join('x')]);
  assert.deepEqual(pairs, [['28x28', '28x28'], ['14x14', '14x14'], ['7x7', '7x7']]);
  const r = await distill({ ...common, dataset: data(), method: 'at', teacher, student, epochs: 2, lr: 0.05, beta: 1000 });
  assert.ok(r.history[1]!.trainLoss < r.history[0]!.trainLoss, `loss ${r.history[0]!.trainLoss} -> ${r.history[1]!.trainLoss}`);
  await assert.rejects(
    distill({
      ...common, dataset: data(), method: 'at', teacher, student, epochs: 1,
      atLayers: 'features.1.1.conv=features.2.3.conv',
    }),
    (e: unknown) => isSlimnetError(e, 'SHAPE_MISMATCH') && /spatial sizes must match/.test(e.message),
  );
});

test('bad options are typed errors raised before any training', async () => {
  const teacher = tinyCnn([4, 'M'], 1);
  const student = tinyCnn([2, 'M'], 2);
  const base = { ...common, dataset: data(), teacher, student, epochs: 1 };
  await assert.rejects(distill({ ...base, method: 'fitnets', hint: 'features.1.1.conv' }), /both the hint layer/);
  await assert.rejects(distill({ ...base, method: 'fitnets', hint: 'nope', guided: 'features.1.1.conv' }), /'nope' is neither a node nor an activation.*candidates/);
  const negative = /option 'temperature' must be in \[0, inf\], got -1/;
  await assert.rejects(distill({ ...base, method: 'kd', temperature: -1 }), negative);
  await assert.rejects(distill({ ...base, method: 'kd', epochs: 0 }), /epochs must be a positive integer/);
  const nope = /unknown distillation method 'nope' \(registered: kd, fitnets, at\)/;
  await assert.rejects(distill({ ...base, method: 'nope' } as never), nope);
  await assert.rejects(distill({ ...base, method: 'kd', student: mlp(0.1, 1), teacher: buildZooModel('lenet5', { inputShape: [1, 32, 32] }) }), /must read the same images/);
});
