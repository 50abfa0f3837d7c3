import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectClose } from '../../testing/expect-close.js';
import { Rng } from '../rng.js';
import { gram, identity, matmul, matmulNT, matrix, scaleColumns, transpose, type Matrix } from './matrix.js';
import { lstsq, qr } from './qr.js';
import { svd } from './svd.js';
import { symmetricEigen } from './eigen.js';

function random(rows: number, cols: number, seed: number): Matrix {
  const rng = new Rng(seed);
  return matrix(rows, cols, Array.from({ length: rows * cols }, () => rng.normal()));
}

function reconstruct(u: Matrix, s: Float64Array, v: Matrix): Matrix {
  return matmulNT(scaleColumns(matrix(u.rows, u.cols, u.data), s), v);
}

test('QR: q has orthonormal columns, r is upper triangular, q r = a (tall, square, wide)', () => {
  for (const [m, n] of [[9, 4], [5, 5], [3, 7]] as const) {
    const a = random(m, n, m * 10 + n);
    const { q, r } = qr(a);
    const k = Math.min(m, n);
    expectClose(gram(q).data, identity(k).data, { atol: 1e-12, what: `qᵀq ${m}×${n}` });
    for (let i = 0; i < k; i++) for (let j = 0; j < Math.min(i, n); j++) assert.equal(r.data[i * n + j], 0);
    expectClose(matmul(q, r).data, a.data, { atol: 1e-12, what: `qr ${m}×${n}` });
  }
});

test('lstsq matches the normal equations and rejects a rank-deficient matrix', () => {
  const a = random(12, 4, 1);
  const b = random(12, 2, 2);
  const x = lstsq(a, b);
  // Residual orthogonal to the columns of a: aᵀ(a x − b) = 0.
  const resid = matmul(a, x);
  for (let i = 0; i < resid.data.length; i++) resid.data[i] = (resid.data[i] as number) - (b.data[i] as number);
  expectClose(matmul(transpose(a), resid).data, new Float64Array(8), { atol: 1e-11 });
  const dup = matrix(4, 2, [1, 2, 2, 4, 3, 6, 4, 8]);
  assert.throws(() => lstsq(dup, random(4, 1, 3)), /rank deficient/);
});

test('svd reconstructs tall, wide and square matrices with orthonormal factors and sorted values', () => {
  for (const [m, n] of [[20, 7], [6, 15], [10, 10], [1, 5], [4, 1]] as const) {
    const a = random(m, n, m + 100 * n);
    const { u, s, v } = svd(a);
    const k = Math.min(m, n);
    assert.equal(s.length, k);
    for (let i = 1; i < k; i++) assert.ok((s[i - 1] as number) >= (s[i] as number));
    expectClose(gram(u).data, identity(k).data, { atol: 1e-12, what: 'uᵀu' });
    expectClose(gram(v).data, identity(k).data, { atol: 1e-12, what: 'vᵀv' });
    expectClose(reconstruct(u, s, v).data, a.data, { atol: 1e-12, what: `usvᵀ ${m}×${n}` });
  }
});

test('svd of a rank-3 matrix: three nonzero singular values, known ones recovered, u still orthonormal', () => {
  // a = P diag(5, 2, 0.5) Qᵀ with orthonormal P, Q from QR of random matrices.
  const p = qr(random(8, 3, 4)).q;
  const q = qr(random(6, 3, 5)).q;
  const a = reconstruct(p, Float64Array.from([5, 2, 0.5]), q);
  const { u, s, v } = svd(a);
  expectClose(s, [5, 2, 0.5, 0, 0, 0], { atol: 1e-12 });
  expectClose(gram(u).data, identity(6).data, { atol: 1e-12, what: 'completed u' });
  expectClose(reconstruct(u, s, v).data, a.data, { atol: 1e-12 });
});

test('svd of zero and of NaN matrices', () => {
  const z = svd(matrix(3, 2));
  expectClose(z.s, [0, 0]);
  expectClose(gram(z.u).data, identity(2).data, { atol: 1e-12 });
  assert.throws(() => svd(matrix(2, 2, [1, NaN, 0, 1])), /NaN/);
});

test('symmetricEigen: V diag(λ) Vᵀ = a with orthonormal V, descending values, repeated eigenvalues', () => {
  for (const n of [1, 2, 5, 40]) {
    const b = random(n, n, n);
    const a = matmul(b, transpose(b));
    const { values, vectors } = symmetricEigen(a);
    for (let i = 1; i < n; i++) assert.ok((values[i - 1] as number) >= (values[i] as number));
    expectClose(gram(vectors).data, identity(n).data, { atol: 1e-12, what: `VᵀV n=${n}` });
    expectClose(reconstruct(vectors, values, vectors).data, a.data, { rtol: 1e-10, atol: 1e-10, what: `VΛVᵀ n=${n}` });
  }
  // diag(3, 1, 1, 0) rotated: a double eigenvalue and a zero one.
  const q = qr(random(4, 4, 9)).q;
  const a = reconstruct(q, Float64Array.from([3, 1, 1, 0]), q);
  expectClose(symmetricEigen(a).values, [3, 1, 1, 0], { atol: 1e-12 });
  assert.throws(() => symmetricEigen(matrix(2, 3)), /square/);
});

test('svd by the Gram path agrees with Jacobi on singular values, and u·diag(s) = a·v', () => {
  for (const [m, n] of [[150, 120], [100, 300]] as const) {
    const a = random(m, n, m + n);
    const g = svd(a, { method: 'gram' });
    const j = svd(a, { method: 'jacobi' });
    expectClose(g.s, j.s, { rtol: 1e-9, atol: 1e-9 });
    const k = Math.min(m, n);
    expectClose(gram(g.u).data, identity(k).data, { atol: 1e-10, what: 'uᵀu (gram)' });
    expectClose(reconstruct(g.u, g.s, g.v).data, a.data, { atol: 1e-9, what: `usvᵀ (gram) ${m}×${n}` });
  }
  // Rank deficient: a rank-5 200 × 120 matrix.
  const low = matmul(random(200, 5, 1), random(5, 120, 2));
  const r = svd(low);
  assert.ok((r.s[4] as number) > 1 && (r.s[5] as number) < 1e-6 * (r.s[0] as number));
  expectClose(gram(r.u).data, identity(120).data, { atol: 1e-10, what: 'completed u (gram)' });
  expectClose(reconstruct(r.u, r.s, r.v).data, low.data, { rtol: 0, atol: 1e-7 * (r.s[0] as number), what: 'rank-5 usvᵀ (gram)' });
});
