import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectClose } from '../../testing/expect-close.js';
import { matmul, matrix, type Matrix } from '../../util/linalg/matrix.js';
import { Rng } from '../../util/rng.js';
import { tauBar, vbmf, vbmfFromSpectrum } from './vbmf.js';

function noisyLowRank(rows: number, cols: number, rank: number, noise: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const a = matrix(rows, rank, Array.from({ length: rows * rank }, () => rng.normal()));
  const b = matrix(rank, cols, Array.from({ length: rank * cols }, () => rng.normal()));
  const y = matmul(a, b);
  for (let i = 0; i < y.data.length; i++) y.data[i] = (y.data[i] as number) + noise * rng.normal();
  return y;
}

test('τ̄ matches the published constant 2.5129 at α = 1 and solves Φ(τ) + Φ(τ/α) = 0', () => {
  expectClose(tauBar(1), 2.5129, { atol: 5e-4 });
  const a = 0.3;
  const t = tauBar(a);
  const phi = (z: number): number => Math.log1p(z) / z - 0.5;
  expectClose(phi(t) + phi(t / a), 0, { atol: 1e-9 });
});

test('VBMF finds the true rank of noisy low-rank matrices (tall, wide, several noise levels)', () => {
  for (const [rows, cols, rank, noise, seed] of [[40, 60, 5, 0.5, 1], [100, 30, 8, 1, 2], [64, 576, 12, 0.3, 3], [50, 50, 3, 2, 4]] as const) {
    const r = vbmf(noisyLowRank(rows, cols, rank, noise, seed));
    assert.equal(r.rank, rank, `${rows}×${cols} rank ${rank} noise ${noise}: got ${r.rank}`);
    // The estimated noise variance is close to the true one.
    assert.ok(Math.abs(r.sigma2 / (noise * noise) - 1) < 0.25, `σ² ${r.sigma2} vs ${noise * noise}`);
  }
});

test('VBMF keeps nothing of pure noise and everything of a noiseless full-rank spectrum with known σ²', () => {
  assert.equal(vbmf(noisyLowRank(30, 50, 0, 1, 5)).rank, 0);
  assert.equal(vbmfFromSpectrum([10, 9, 8], 3, 3, { sigma2: 1e-6 }).rank, 3);
  assert.equal(vbmfFromSpectrum([0, 0], 2, 4).rank, 0);
  assert.throws(() => vbmfFromSpectrum([1], 1, 1, { sigma2: -1 }), /positive/);
});
