// Training-mode forward rewrite: BatchNormalization gradients through the batch statistics (float64,
// gradcheck defaults eps 1e-6, rtol 1e-6, atol 1e-6), PyTorch-style running-stat updates, seeded Dropout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../ir/builder.js';
import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { inferShapes } from '../passes/infer-shapes.js';
import { Session } from '../runtime/session.js';
import { expectClose } from '../testing/expect-close.js';
import { buildModel, uniform } from '../testing/grad-models.js';
import { gradcheck } from '../testing/gradcheck.js';
import { addBackward } from './backward.js';
import { toTrainingForward } from './training-mode.js';

const MEAN = [0.3, -0.2, 0.1];
const VAR = [1.5, 0.7, 2.0];

/** x → BatchNormalization (inference form, running stats as initializers) → Relu-free output. */
function bnModel(x: ReadonlyArray<number | string>, statsOut = false): Model {
  return buildModel(
    [{ name: 'x', shape: x.map((d) => (typeof d === 'number' ? d : 4)) }, { name: 'scale', shape: [3] }, { name: 'bias', shape: [3] }],
    (b, [xv, s, bi]) => {
      const mean = b.initializer('running_mean', Tensor.f64([3], MEAN));
      const variance = b.initializer('running_var', Tensor.f64([3], VAR));
      const y = b.op('BatchNormalization', [xv, s, bi, mean, variance], { epsilon: 1e-3, momentum: 0.8 });
      const t = toTrainingForward(b.graph);
      const stat = t.runningStats[0];
      if (stat === undefined) throw new Error('no BatchNormalization rewritten');
      return statsOut ? [y, stat.node.output(1), stat.node.output(2)] : [y];
    },
  );
}

test('BatchNormalization training: gradients of x, scale, bias through the batch statistics (NCHW)', async () => {
  await gradcheck(bnModel([4, 3, 2, 3]), { inputs: { x: uniform([4, 3, 2, 3], -2, 3, 11) } });
});

test('BatchNormalization training: [N, C] input, and gradients reaching the batch-stat outputs', async () => {
  await gradcheck(bnModel([5, 3]));
  await gradcheck(bnModel([4, 3, 5], true));
});

test('BatchNormalization training: running statistics follow PyTorch (unbiased var, ONNX momentum)', async () => {
  const b = new GraphBuilder('bn');
  const x = b.input('x', 'float32', ['N', 3, 2, 2]);
  const mean = b.initializer('running_mean', Tensor.f32([3], MEAN));
  const variance = b.initializer('running_var', Tensor.f32([3], VAR));
  const y = b.op('BatchNormalization', [x, b.initializer('s', Tensor.f32([3], [1, 1, 1])), b.initializer('bi', Tensor.f32([3], [0, 0, 0])), mean, variance]);
  const { runningStats } = toTrainingForward(b.graph, { momentum: 0.9 });
  const stat = runningStats[0];
  assert.ok(stat !== undefined && stat.mean === mean && stat.var === variance);
  b.output(y, 'y');
  b.output(stat.newMean, 'new_mean');
  b.output(stat.newVar, 'new_var');
  const xs = uniform([2, 3, 2, 2], -1, 2, 5, 'float32');
  const session = await Session.create(b.build(17), { threads: 1 });
  const out = await session.run({ x: xs });
  await session.release();
  const data = Array.from(xs.data as Float32Array);
  for (let ch = 0; ch < 3; ch++) {
    const vals = [0, 1].flatMap((n) => data.slice(n * 12 + ch * 4, n * 12 + ch * 4 + 4));
    const mu = vals.reduce((a, v) => a + v, 0) / 8;
    const ss = vals.reduce((a, v) => a + (v - mu) ** 2, 0);
    expectClose((out['new_mean'] as Tensor).data[ch] as number, 0.9 * (MEAN[ch] as number) + 0.1 * mu, { what: `mean ${ch}` });
    expectClose((out['new_var'] as Tensor).data[ch] as number, 0.9 * (VAR[ch] as number) + 0.1 * (ss / 7), { what: `var ${ch}` });
    expectClose((out['y'] as Tensor).data[ch * 4] as number, (vals[0] as number - mu) / Math.sqrt(ss / 8 + 1e-5), { rtol: 1e-4, what: `y ${ch}` });
  }
});

test('Dropout training: seeded mask, output and gradient = mask / (1 - ratio)', async () => {
  const b = new GraphBuilder('drop');
  const x = b.input('x', 'float32', [4, 50]);
  const w = b.input('w', 'float32', [4, 50]);
  const h = b.op('Mul', [x, w]);
  const y = b.op('Dropout', [h, b.constant(0.3, [], 'ratio')]);
  const model = b.build(17);
  const { dropouts } = toTrainingForward(model.graph, { dropoutSeed: 42 });
  const mask = dropouts[0]?.mask;
  assert.ok(mask !== undefined);
  inferShapes(model);
  const seed = b.constant(new Array<number>(200).fill(1), [4, 50], 'seed');
  const grads = addBackward(model.graph, y, [w], { opset: 17, seed });
  b.output(y, 'y');
  b.output(mask, 'mask');
  b.output(grads.get(w) as ReturnType<typeof b.op>, 'dw');
  const xs = uniform([4, 50], 0.5, 2, 9, 'float32');
  const ws = Tensor.f32([4, 50], new Array<number>(200).fill(1));
  const runOnce = async (): Promise<Record<string, Tensor>> => {
    const s = await Session.create(model, { threads: 1 });
    const r = await s.run({ x: xs, w: ws });
    await s.release();
    return r;
  };
  const [first, again] = [await runOnce(), await runOnce()];
  const m = Array.from((first['mask'] as Tensor).data as Uint8Array);
  assert.deepEqual(Array.from((again['mask'] as Tensor).data as Uint8Array), m, 'same seed, same mask');
  const dropped = m.filter((v) => v === 0).length;
  assert.ok(dropped > 30 && dropped < 90, `about 30% dropped, got ${dropped}/200`);
  const xv = Array.from(xs.data as Float32Array);
  expectClose((first['y'] as Tensor).data as Float32Array, xv.map((v, i) => (m[i] ? v / 0.7 : 0)), { rtol: 1e-6 });
  expectClose((first['dw'] as Tensor).data as Float32Array, xv.map((v, i) => (m[i] ? v / 0.7 : 0)), { rtol: 1e-6 });
});

test('toTrainingForward refuses opsets without BatchNormalization training_mode', () => {
  const b = new GraphBuilder('old');
  const x = b.input('x', 'float32', [1, 1, 2, 2]);
  const one = b.initializer('one', Tensor.f32([1], [1]));
  b.output(b.op('BatchNormalization', [x, one, one, one, one]));
  assert.throws(() => toTrainingForward(b.graph, { opset: 13 }), /opset >= 14/);
});
