import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDataset } from '../data/load.js';
import type { Dataset } from '../data/types.js';
import type { Model } from '../ir/graph.js';
import { nchwcBlockSize } from '../runtime/nchwc.js';
import { vgg } from '../zoo/index.js';
import { train } from './trainer.js';
import type { TrainOptions, TrainProgress } from './types.js';

let cached: Dataset | undefined;
function data(): Dataset {
  cached ??= loadDataset('mnist', { limit: 256, testLimit: 128 });
  return cached;
}

/** conv 1→32, conv 32→32: the second is lowered for block 8 and for block 16. */
const model = (): Model => vgg({ seed: 4, plan: [32, 'M', 32, 'M'] });
const opts = (over: Partial<TrainOptions>): TrainOptions => ({
  model: model(), dataset: data(), epochs: 1, batchSize: 32, lr: 0.05, threads: 1, seed: 2, inProcess: true, ...over,
});
const weight = (m: Model): Float32Array => m.graph.initializers.get('features.2.2.conv.weight')?.initializer?.toFloat32() as Float32Array;

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  const scale = b.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0) / scale;
}

test('a wrong NCHWc block size is caught on the first batch: one warning, plain convolutions, plain results', async () => {
  const detected = await nchwcBlockSize();
  const wrong = detected === 8 ? 16 : 8;
  const plain = await train(opts({ blockedConvs: false }));
  assert.equal(plain.convLayout, 'plain');
  const notices: TrainProgress[] = [];
  const r = await train(opts({ nchwcBlockSize: wrong, onProgress: (p) => { if (p.kind === 'notice') notices.push(p); } }));
  assert.equal(r.convLayout, 'plain');
  assert.equal(r.warnings.length, 1);
  assert.equal(notices.length, 1);
  assert.match(notices[0]?.message ?? '', /blocked convolutions .* disagree/);
  assert.ok(maxRelDiff(weight(r.model), weight(plain.model)) < 1e-6, 'the fallback run trains exactly like the plain one');
  assert.equal(r.testError, plain.testError);
});

test('the detected NCHWc block size trains like plain convolutions, without warnings', async (t) => {
  if ((await nchwcBlockSize()) === undefined) {
    t.skip('onnxruntime has no NCHWc kernels on this CPU');
    return;
  }
  const plain = await train(opts({ blockedConvs: false }));
  const r = await train(opts({}));
  assert.equal(r.convLayout, 'blocked');
  assert.deepEqual(r.warnings, []);
  // Eight SGD steps from the same start: only float32 summation order differs.
  assert.ok(maxRelDiff(weight(r.model), weight(plain.model)) < 1e-3);
  assert.ok(Math.abs(r.testError - plain.testError) <= 2 / 128, `test error ${r.testError} vs ${plain.testError}`);
});
