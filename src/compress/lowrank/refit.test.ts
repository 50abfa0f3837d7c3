import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Split } from '../../data/types.js';
import type { Model } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { Session } from '../../runtime/session.js';
import { expectClose } from '../../testing/expect-close.js';
import { relativeError } from '../../util/linalg/matrix.js';
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
    expectClose(relativeError(await output(d.model, data, 64), ref), layer.before, { rtol: 1e-4 });
    expectClose(relativeError(await output(r.model, data, 64), ref), layer.after, { rtol: 1e-4 });
    // The decomposed model passed in is not modified.
    assert.notEqual(r.model, d.model);
  }
});

test('refit of an exact factorisation keeps it exact; FC layers need enough rows', async () => {
  const fc = fcModel(8, 12, lowRankMatrix(8, 12, 3));
  const d = decompose(fc, { method: 'svd', rank: 3 });
  const r = await refitLastStages(fc, d.model, d.report, { data: split([12], 100, 2), samples: 100, threads: 1 });
  assert.ok((r.layers[0]?.after ?? 1) < 1e-5);
  expectClose(await output(r.model, split([12], 100, 2), 20), await output(fc, split([12], 100, 2), 20), { rtol: 1e-3, atol: 1e-4 });
  const few = await refitLastStages(fc, d.model, d.report, { data: split([12], 100, 2), samples: 5, threads: 1 });
  assert.match(few.skipped[0]?.reason ?? '', /too few calibration rows \(5\) for 3 inputs/);
});

/** Channels 1.. of every image mostly repeat channel 0 (the data-aware fit then beats the weight-space one). */
function correlated(data: Split): Split {
  const [c, h, w] = data.sampleShape as [number, number, number];
  const images = Float32Array.from(data.images);
  for (let n = 0; n < data.count; n++) {
    for (let ch = 1; ch < c; ch++) {
      for (let p = 0; p < h * w; p++) {
        const i = (n * c + ch) * h * w + p;
        images[i] = (ch + 1) * (images[n * c * h * w + p] as number) + 0.1 * (images[i] as number);
      }
    }
  }
  return { ...data, images };
}

test('Jaderberg\'s 1×k last stage is refit from its input patches, over strides, pads and dilations', async () => {
  const geometries = [
    { pads: [1, 1, 1, 1] as const },
    { pads: [2, 0, 1, 2] as const, strides: [2, 1] as const },
    { pads: [2, 2, 2, 2] as const, dilations: [2, 2] as const, strides: [1, 2] as const },
    { autoPad: 'VALID' as const },
  ];
  for (const g of geometries) {
    const model = convModel({ input: [4, 9, 9], weight: randomKernel([6, 4, 3, 3], 5), relu: false, ...g });
    const data = correlated(split([4, 9, 9], 32, 4));
    const d = decompose(model, { method: 'jaderberg', rank: 2 });
    const r = await refitLastStages(model, d.model, d.report, { data, samples: 32, threads: 1 });
    assert.deepEqual(r.skipped, []);
    const layer = r.layers[0];
    assert.ok(layer !== undefined && layer.after < 0.95 * layer.before, `${JSON.stringify(g)}: ${layer?.before} -> ${layer?.after}`);
    const ref = await output(model, data, 32);
    expectClose(relativeError(await output(r.model, data, 32), ref), layer.after, { rtol: 1e-4 });
  }
});
