import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Split } from '../../data/types.js';
import type { Model } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { Session } from '../../runtime/session.js';
import { expectClose } from '../../testing/expect-close.js';
import { Rng } from '../../util/rng.js';
import { decompose } from './decompose.js';
import { convModel, fcModel, lowRankMatrix, randomKernel } from './fixtures.js';
import { refitLastStages } from './refit.js';

function split(sampleShape: readonly number[], count: number, seed: number): Split {
  const rng = new Rng(seed);
  const per = sampleShape.reduce((a, b) => a * b, 1);
  return { images: Float32Array.from({ length: count * per }, () => rng.normal()), labels: new Int32Array(count), count, sampleShape };
}

async function output(model: Model, data: Split, n: number): Promise<Float32Array> {
  const per = data.images.length / data.count;
  const s = await Session.create(model, { threads: 1 });
  try {
    const out = await s.run({ input: new Tensor('float32', [n, ...data.sampleShape], data.images.slice(0, n * per)) });
    return out.output?.data as Float32Array;
  } finally {
    await s.release();
  }
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  a.forEach((x, i) => {
    num += (x - (b[i] as number)) ** 2;
    den += (b[i] as number) ** 2;
  });
  return Math.sqrt(num / den);
}

test('refit lowers each factored layer\'s output error on the calibration data and the model agrees with the report', async () => {
  const model = convModel({ input: [6, 8, 8], pads: [1, 1, 1, 1], weight: randomKernel([12, 6, 3, 3], 4), relu: false });
  const data = split([6, 8, 8], 64, 1);
  for (const [method, rank] of [['cp', 3], ['tucker2', 3]] as const) {
    const d = decompose(model, { method, rank, cp: { maxIterations: 50 } });
    const r = await refitLastStages(model, d.model, d.report, { data, samples: 64, threads: 1 });
    const layer = r.layers[0];
    assert.ok(layer !== undefined && layer.after < layer.before, `${method}: ${layer?.before} -> ${layer?.after}`);
    // The model is the conv alone: its output errors are the reported ones.
    const ref = await output(model, data, 64);
    expectClose(relErr(await output(d.model, data, 64), ref), layer.before, { rtol: 1e-4 });
    expectClose(relErr(await output(r.model, data, 64), ref), layer.after, { rtol: 1e-4 });
    // The decomposed model passed in is not modified.
    assert.notEqual(r.model, d.model);
  }
});

test('refit of an exact factorisation keeps it exact; Jaderberg is skipped with a reason; FC layers need enough rows', async () => {
  const fc = fcModel(8, 12, lowRankMatrix(8, 12, 3));
  const d = decompose(fc, { method: 'svd', rank: 3 });
  const r = await refitLastStages(fc, d.model, d.report, { data: split([12], 100, 2), samples: 100, threads: 1 });
  assert.ok((r.layers[0]?.after ?? 1) < 1e-5);
  expectClose(await output(r.model, split([12], 100, 2), 20), await output(fc, split([12], 100, 2), 20), { rtol: 1e-3, atol: 1e-4 });
  const few = await refitLastStages(fc, d.model, d.report, { data: split([12], 100, 2), samples: 5, threads: 1 });
  assert.match(few.skipped[0]?.reason ?? '', /too few calibration rows \(5\) for 3 inputs/);
  const conv = convModel({ input: [4, 6, 6], pads: [1, 1, 1, 1], weight: randomKernel([6, 4, 3, 3]) });
  const j = decompose(conv, { method: 'jaderberg', rank: 2 });
  const rj = await refitLastStages(conv, j.model, j.report, { data: split([4, 6, 6], 8, 3), threads: 1 });
  assert.deepEqual(rj.skipped, [{ name: 'conv', reason: 'the last stage is not a plain 1×1 conv' }]);
});
