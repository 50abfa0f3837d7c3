import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Model } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { Session } from '../../runtime/session.js';
import { expectClose } from '../../testing/expect-close.js';
import { Rng } from '../../util/rng.js';
import { decompose } from './decompose.js';
import { convModel, cpKernel, fcModel, lowRankMatrix, randomKernel, separableKernel, tuckerKernel, type ConvFixture } from './fixtures.js';
import type { DecomposeOptions } from './types.js';

async function run(model: Model, dims: readonly number[], seed = 5): Promise<Tensor> {
  const rng = new Rng(seed);
  const x = Tensor.f32(dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.normal()));
  const s = await Session.create(model, { threads: 1 });
  try {
    const out = (await s.run({ input: x })).output;
    assert.ok(out !== undefined);
    return out;
  } finally {
    await s.release();
  }
}

/** Decomposes, checks the report and that the rewritten model computes the same outputs as the original. */
async function expectSameOutputs(model: Model, inputDims: readonly number[], opts: DecomposeOptions, maxRelError: number): Promise<void> {
  const r = decompose(model, { onlyIfSmaller: false, ...opts });
  const row = r.report.layers.find((l) => l.status === 'decomposed');
  assert.ok(row !== undefined, `${opts.method}: nothing decomposed (${r.report.layers.map((l) => l.reason).join('; ')})`);
  assert.ok((row.relError ?? 1) <= maxRelError, `${opts.method}: reconstruction error ${row.relError}`);
  const [a, b] = [await run(model, inputDims), await run(r.model, inputDims)];
  assert.deepEqual(b.dims, a.dims);
  const scale = Math.max(...Array.from(a.data as Float32Array, Math.abs));
  expectClose(b.data as Float32Array, a.data as Float32Array, { rtol: 1e-4, atol: 1e-4 * scale, what: `${opts.method} outputs` });
}

const geometries: ReadonlyArray<Omit<ConvFixture, 'weight'>> = [
  { input: [4, 9, 8], pads: [1, 1, 1, 1] },
  { input: [4, 11, 10], strides: [2, 1], pads: [0, 2, 1, 1] },
  { input: [4, 12, 12], strides: [2, 2], dilations: [2, 1], pads: [2, 0, 1, 1] },
  { input: [4, 7, 9], autoPad: 'SAME_UPPER', strides: [2, 2] },
];

test('svd: a rank-3 Gemm / MatMul weight is reproduced at rank 3, any weight at full rank (alpha, beta, bias kept)', async () => {
  for (const op of ['Gemm', 'MatMul'] as const) {
    await expectSameOutputs(fcModel(12, 20, lowRankMatrix(12, 20, 3), op), [5, 20], { method: 'svd', rank: 3 }, 1e-6);
    await expectSameOutputs(fcModel(12, 20, lowRankMatrix(12, 20, 12), op), [5, 20], { method: 'svd', rank: 12 }, 1e-6);
  }
});

test('svd: a 1×1 conv (with stride and padding) at full rank', async () => {
  await expectSameOutputs(convModel({ weight: randomKernel([6, 5, 1, 1]), input: [5, 7, 7], strides: [2, 2], pads: [1, 0, 0, 1] }), [2, 5, 7, 7], { method: 'svd', rank: 5 }, 1e-6);
});

test('jaderberg: a separable kernel of rank 3 is reproduced at rank 3; a random kernel at full rank (strides, pads, dilations, auto_pad)', async () => {
  for (const g of geometries) {
    const dims: [number, number, number, number] = [6, 4, 3, 3];
    await expectSameOutputs(convModel({ ...g, weight: separableKernel(dims, 3) }), [2, ...g.input], { method: 'jaderberg', rank: 3 }, 1e-6);
    await expectSameOutputs(convModel({ ...g, weight: randomKernel(dims) }), [2, ...g.input], { method: 'jaderberg', rank: 12 }, 1e-6);
  }
});

test('tucker2: a kernel of multilinear rank (3, 2) is reproduced at ranks [3, 2] with HOSVD and with HOOI; full ranks are exact', async () => {
  for (const g of geometries) {
    const dims: [number, number, number, number] = [6, 4, 3, 3];
    const model = convModel({ ...g, weight: tuckerKernel(dims, 3, 2) });
    await expectSameOutputs(model, [2, ...g.input], { method: 'tucker2', rank: { conv: [3, 2] } }, 1e-6);
    await expectSameOutputs(model, [2, ...g.input], { method: 'tucker2', rank: { conv: [3, 2] }, hooiIterations: 2 }, 1e-6);
    await expectSameOutputs(convModel({ ...g, weight: randomKernel(dims) }), [2, ...g.input], { method: 'tucker2', rank: { conv: [6, 4] } }, 1e-6);
  }
  // One full mode: only the other 1×1 conv is added.
  const r = decompose(convModel({ input: [4, 6, 6], pads: [1, 1, 1, 1], weight: tuckerKernel([6, 4, 3, 3], 6, 2) }), { method: 'tucker2', rank: { conv: [6, 2] } });
  assert.deepEqual(r.report.layers[0]?.nodes, ['conv/tucker_in', 'conv/tucker_core']);
});

test('cp: a kernel of CP rank 3 is reproduced by ALS at rank 3 (strides, pads, dilations)', async () => {
  for (const g of geometries.slice(0, 3)) {
    const model = convModel({ ...g, weight: cpKernel([6, 4, 3, 3], 3, 2) });
    await expectSameOutputs(model, [2, ...g.input], { method: 'cp', rank: 3, cp: { maxIterations: 3000, tolerance: 1e-15 } }, 1e-6);
  }
});

test('the report counts MACs and parameters that agree with modelStats and the reconstruction error falls with the rank', () => {
  const model = convModel({ input: [8, 10, 10], pads: [1, 1, 1, 1], weight: randomKernel([16, 8, 3, 3]) });
  let lastError = Infinity;
  for (const rank of [2, 6, 12]) {
    const r = decompose(model, { method: 'jaderberg', rank });
    const row = r.report.layers[0];
    assert.ok(row !== undefined && row.status === 'decomposed');
    // Vertical conv: rank·C·3 per position of a 10×10 map; horizontal: N·rank·3 per output position.
    assert.equal(row.after.macs, rank * 8 * 3 * 100 + 16 * rank * 3 * 100);
    assert.equal(row.before.macs, 16 * 8 * 9 * 100);
    assert.equal(r.report.after.macs, r.report.before.macs - row.before.macs + row.after.macs);
    assert.equal(r.report.after.params, r.report.before.params - row.before.params + row.after.params);
    assert.ok((row.relError ?? 1) < lastError);
    lastError = row.relError ?? 1;
  }
});
