import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSlimnetError } from '../../ir/errors.js';
import { matmul, matrix } from '../../util/linalg/matrix.js';
import { qr } from '../../util/linalg/qr.js';
import { Rng } from '../../util/rng.js';
import { decompose } from './decompose.js';
import { convModel, fcModel, randomKernel, tuckerKernel } from './fixtures.js';
import { energyRank } from './rank-select.js';

test('energyRank: the smallest rank keeping the requested share of Σσ²', () => {
  const s = [4, 2, 1, 1]; // energies 16, 4, 1, 1 of 22
  assert.equal(energyRank(s, 16 / 22), 1);
  assert.equal(energyRank(s, 0.8), 2);
  assert.equal(energyRank(s, 21 / 22), 3);
  assert.equal(energyRank(s, 1), 4);
  assert.equal(energyRank([0, 0], 0.9), 1);
});

/** A 30 × 40 Gemm weight with singular values 10, 9, …, 1 then 0.01s. */
function spectrumModel(): ReturnType<typeof fcModel> {
  const rng = new Rng(2);
  const u = qr(matrix(30, 30, Array.from({ length: 900 }, () => rng.normal()))).q;
  const v = qr(matrix(40, 30, Array.from({ length: 1200 }, () => rng.normal()))).q;
  const s = Array.from({ length: 30 }, (_, i) => (i < 10 ? 10 - i : 0.01));
  const us = matrix(30, 30, u.data);
  for (let i = 0; i < 30; i++) for (let j = 0; j < 30; j++) us.data[i * 30 + j] = (us.data[i * 30 + j] as number) * (s[j] as number);
  const vt = matrix(30, 40);
  for (let i = 0; i < 30; i++) for (let j = 0; j < 40; j++) vt.data[i * 40 + j] = v.data[j * 30 + i] as number;
  return fcModel(30, 40, matmul(us, vt));
}

test('energy, VBMF and fixed fractions choose the expected SVD ranks', () => {
  const model = spectrumModel();
  // Energies 100, 81, ... of 385: the first 7 values keep 371/385 = 0.964 > 0.95; 6 keep 0.94.
  assert.deepEqual(decompose(model, { method: 'svd', energy: 0.95 }).report.layers[0]?.ranks, [7]);
  assert.deepEqual(decompose(model, { method: 'svd', vbmf: true }).report.layers[0]?.ranks, [10]);
  assert.deepEqual(decompose(model, { method: 'svd', rank: 0.2 }).report.layers[0]?.ranks, [6]);
  assert.deepEqual(decompose(model, { method: 'svd', rank: 100 }).report.layers[0]?.status, 'unchanged');
});

test('VBMF finds the multilinear ranks of a noisy Tucker kernel', () => {
  const k = tuckerKernel([24, 16, 3, 3], 5, 4, 3);
  const rng = new Rng(9);
  for (let i = 0; i < k.data.length; i++) k.data[i] = (k.data[i] as number) + 0.05 * rng.normal();
  const r = decompose(convModel({ input: [16, 8, 8], pads: [1, 1, 1, 1], weight: k }), { method: 'tucker2', vbmf: true });
  assert.deepEqual(r.report.layers[0]?.ranks, [5, 4]);
});

test('a global MAC budget is met and spends most of what it allows', () => {
  const model = convModel({ input: [16, 12, 12], pads: [1, 1, 1, 1], weight: randomKernel([32, 16, 3, 3]) });
  for (const budget of [0.2, 0.5]) {
    const r = decompose(model, { method: 'tucker2', budget });
    assert.ok(r.report.after.macs <= budget * r.report.before.macs, `budget ${budget}: ${r.report.after.macs} of ${r.report.before.macs}`);
    assert.ok(r.report.after.macs > 0.6 * budget * r.report.before.macs, `budget ${budget}: only ${r.report.after.macs} used`);
    assert.match(r.report.rule, /budget .* \(energy 0\.\d+\)/);
  }
  const p = decompose(model, { method: 'jaderberg', budget: 0.3, budgetMetric: 'params' });
  assert.ok(p.report.after.params <= 0.3 * p.report.before.params);
  assert.throws(() => decompose(model, { method: 'cp', budget: 0.0001 }), /out of reach/);
});

test('bad options are typed INVALID_ARGUMENT errors naming the problem', () => {
  const model = convModel({ input: [4, 6, 6], weight: randomKernel([4, 4, 3, 3]) });
  const expectInvalid = (f: () => unknown, pattern: RegExp): void => {
    assert.throws(f, (e: unknown) => isSlimnetError(e, 'INVALID_ARGUMENT') && pattern.test(e.message));
  };
  expectInvalid(() => decompose(model, { method: 'tucker2' }), /exactly one of rank, energy, budget, vbmf \(got none\)/);
  expectInvalid(() => decompose(model, { method: 'tucker2', rank: 2, energy: 0.5 }), /got rank, energy/);
  expectInvalid(() => decompose(model, { method: 'nope' as never, rank: 2 }), /unknown low-rank method 'nope'/);
  expectInvalid(() => decompose(model, { method: 'tucker2', energy: 1.5 }), /energy must be in \(0, 1\]/);
  expectInvalid(() => decompose(model, { method: 'tucker2', rank: 2.5 }), /rank must be/);
  expectInvalid(() => decompose(model, { method: 'tucker2', rank: 2, layers: ['conv9'] }), /layer 'conv9' is not .* \(these are: conv\)/);
  expectInvalid(() => decompose(model, { method: 'tucker2', rank: { conv: [1, 2, 3] } }), /takes 2 rank/);
  const svdOnConv = decompose(model, { method: 'svd', rank: 1 });
  assert.equal(svdOnConv.report.layers[0]?.status, 'unchanged');
  assert.match(svdOnConv.report.layers[0]?.reason ?? '', /1×1 convs/);
});

test('explicit CP ranks may exceed max(N, C); fractions and energy stay below it', () => {
  const model = convModel({ input: [4, 6, 6], pads: [1, 1, 1, 1], weight: randomKernel([6, 4, 3, 3]) });
  const ranksOf = (r: ReturnType<typeof decompose>): readonly number[] | undefined => r.report.layers[0]?.ranks;
  assert.deepEqual(ranksOf(decompose(model, { method: 'cp', rank: 10, onlyIfSmaller: false, cp: { maxIterations: 5 } })), [10]);
  assert.deepEqual(ranksOf(decompose(model, { method: 'cp', rank: 500, onlyIfSmaller: false, cp: { maxIterations: 5 } })), [36]);
  assert.deepEqual(ranksOf(decompose(model, { method: 'cp', rank: 0.5, onlyIfSmaller: false, cp: { maxIterations: 5 } })), [3]);
  assert.deepEqual(ranksOf(decompose(model, { method: 'tucker2', rank: 10, onlyIfSmaller: false })), [6, 4]);
});

test('alignTo rounds ranks ≥ N up to multiples of N, within the full rank, and budgets still hold', () => {
  const model = spectrumModel(); // full rank 30
  const ranksOf = (r: ReturnType<typeof decompose>): readonly number[] | undefined => r.report.layers[0]?.ranks;
  assert.deepEqual(ranksOf(decompose(model, { method: 'svd', energy: 0.95, alignTo: 4 })), [8]); // 7 → 8
  assert.deepEqual(ranksOf(decompose(model, { method: 'svd', energy: 0.95, alignTo: 8 })), [7]); // below 8: kept
  assert.deepEqual(ranksOf(decompose(model, { method: 'svd', rank: 0.9, alignTo: 8, onlyIfSmaller: false })), [30]); // 27 → 32, clipped to 30
  const r = decompose(model, { method: 'svd', vbmf: true, alignTo: 4 });
  assert.deepEqual(ranksOf(r), [12]);
  assert.match(r.report.rule, /ranks aligned to 4/);
  const conv = convModel({ input: [16, 12, 12], pads: [1, 1, 1, 1], weight: randomKernel([32, 16, 3, 3]) });
  for (const method of ['tucker2', 'jaderberg'] as const) {
    const b = decompose(conv, { method, budget: 0.4, alignTo: 8 });
    assert.ok(b.report.after.macs <= 0.4 * b.report.before.macs, `${method}: ${b.report.after.macs} of ${b.report.before.macs}`);
    for (const k of ranksOf(b) ?? []) assert.ok(k < 8 || k % 8 === 0 || k === 16 || k === 32, `${method} rank ${k}`);
  }
  assert.throws(() => decompose(model, { method: 'svd', rank: 2, alignTo: 0 }), (e: unknown) => isSlimnetError(e, 'INVALID_ARGUMENT') && /alignTo/.test(e.message));
});
