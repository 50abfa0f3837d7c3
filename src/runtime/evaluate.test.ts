import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Split } from '../data/types.js';
import { GraphBuilder } from '../ir/builder.js';
import { isSlimnetError, ShapeError } from '../ir/errors.js';
import type { Dim } from '../ir/shape.js';
import { Tensor } from '../ir/tensor.js';
import { Rng } from '../util/rng.js';
import { evaluate } from './evaluate.js';
import { evaluateInWorker } from './evaluate-worker.js';

const CLASSES = 10;

/** logits = flatten(x) · I (Gemm with identity-like weights [CLASSES, D]), input declared `shape`. */
function identityModel(shape: readonly Dim[] = ['N', CLASSES], d = CLASSES): ReturnType<GraphBuilder['build']> {
  const b = new GraphBuilder('identity');
  let x = b.input('x', 'float32', shape);
  if (shape.length > 2) x = b.op('Flatten', [x], { axis: 1 });
  const eye = Tensor.f32([CLASSES, d], Array.from({ length: CLASSES * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0)));
  const w = b.initializer('w', eye);
  b.output(b.op('Gemm', [x, w], { transB: 1 }), 'logits');
  return b.build();
}

/** N samples whose true label has rank (i % 7) among distinct scores; also the expected errors. */
function rankedSplit(n: number, sampleShape: readonly number[] = [CLASSES]): { split: Split; top1: number; top5: number } {
  const rng = new Rng(3);
  const images = new Float32Array(n * CLASSES);
  const labels = new Int32Array(n);
  let miss1 = 0;
  let miss5 = 0;
  for (let i = 0; i < n; i++) {
    const order = rng.permutation(CLASSES); // order[r] = class with rank r
    for (let r = 0; r < CLASSES; r++) images[i * CLASSES + (order[r] as number)] = CLASSES - r + rng.next() * 0.5;
    const rank = i % 7;
    labels[i] = order[rank] as number;
    if (rank >= 1) miss1++;
    if (rank >= 5) miss5++;
  }
  return { split: { images, labels, count: n, sampleShape }, top1: miss1 / n, top5: miss5 / n };
}

test('top-1 / top-5 errors on known logits, partial last batch, progress', async () => {
  const { split, top1, top5 } = rankedSplit(37);
  const progress: number[] = [];
  const r = await evaluate(identityModel(), split, { batchSize: 8, onProgress: (d, t) => { assert.equal(t, 37); progress.push(d); } });
  assert.equal(r.count, 37);
  assert.equal(r.top1Error, top1);
  assert.equal(r.top5Error, top5);
  assert.ok(top1 > 0.5 && top5 > 0.1 && top5 < top1, 'the fixture exercises both metrics');
  assert.deepEqual(progress, [8, 16, 24, 32, 37]);
  assert.ok(r.seconds > 0);
  const limited = await evaluate(identityModel(), split, { limit: 7 });
  assert.equal(limited.count, 7);
  assert.equal(limited.top1Error, 6 / 7);
});

test('image-shaped samples feed NCHW inputs, flat [N, D] inputs, and fixed batch sizes alike', async () => {
  const { split, top1, top5 } = rankedSplit(23, [1, 2, 5]);
  for (const shape of [['N', 1, 2, 5], ['N', CLASSES], [4, 1, 2, 5], ['batch', 1, null, 5]] as Dim[][]) {
    const r = await evaluate(identityModel(shape), split, { batchSize: 6 });
    assert.equal(r.top1Error, top1, `input ${JSON.stringify(shape)}`);
    assert.equal(r.top5Error, top5);
  }
});

test('a shape mismatch is reported before running, naming the input and both shapes', async () => {
  const { split } = rankedSplit(5, [1, 2, 5]);
  await assert.rejects(evaluate(identityModel(['N', 3, 2, 5], 30), split), (e: unknown) => {
    assert.ok(e instanceof ShapeError, String(e));
    assert.match(e.message, /model input 'x' is declared \[N,3,2,5\] but the data samples have shape \[N,1,2,5\]/);
    return true;
  });
  await assert.rejects(evaluate(identityModel(), split, { inputName: 'image' }), /no input 'image' \(its inputs: 'x'\)/);
  await assert.rejects(evaluate(identityModel(), split, { outputName: 'probs' }), /no output 'probs'/);
});

test('an aborted signal interrupts evaluation', async () => {
  const { split } = rankedSplit(20);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(evaluate(identityModel(), split, { signal: ac.signal }), (e: unknown) => isSlimnetError(e, 'INTERRUPTED'));
});

test('evaluateInWorker gives the same result and streams progress', async () => {
  const { split, top1, top5 } = rankedSplit(30);
  const progress: number[] = [];
  const r = await evaluateInWorker(identityModel(), split, { batchSize: 16, sigint: false, onProgress: (d) => progress.push(d) });
  assert.equal(r.top1Error, top1);
  assert.equal(r.top5Error, top5);
  assert.deepEqual(progress, [16, 30]);
  await assert.rejects(evaluateInWorker(identityModel(['N', 3], 3), split, { sigint: false }), (e: unknown) =>
    e instanceof ShapeError && /declared \[N,3\]/.test(e.message));
});
