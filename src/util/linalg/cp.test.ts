import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectClose } from '../../testing/expect-close.js';
import { Rng } from '../rng.js';
import { cpAls } from './cp.js';
import { identity, matmul, matrix, relativeError, type Matrix } from './matrix.js';
import { solveSpdMatrix } from './cholesky.js';
import { cpCompose, fold, khatriRao, modeProduct, unfold } from './tensor.js';

function random(rows: number, cols: number, rng: Rng): Matrix {
  return matrix(rows, cols, Array.from({ length: rows * cols }, () => rng.normal()));
}

test('unfold / fold round trip and the unfolding ordering of a CP tensor', () => {
  const rng = new Rng(1);
  const dims = [3, 4, 2, 5];
  const t = { dims, data: Float64Array.from({ length: 120 }, () => rng.normal()) };
  for (let n = 0; n < 4; n++) expectClose(fold(unfold(t, n), dims, n).data, t.data, { rtol: 0, atol: 0 });
  // Element (1, 2, 0, 3) sits in row 2 of the mode-1 unfolding, column (1·2 + 0)·5 + 3 = 13.
  const x1 = unfold(t, 1);
  assert.equal(x1.data[2 * x1.cols + 13], t.data[((1 * 4 + 2) * 2 + 0) * 5 + 3]);
  const factors = dims.map((d) => random(d, 2, rng));
  const cp = cpCompose(factors);
  const k = khatriRao(khatriRao(factors[0] as Matrix, factors[2] as Matrix), factors[3] as Matrix);
  const a1 = factors[1] as Matrix;
  const expected = matrix(a1.rows, k.rows);
  for (let i = 0; i < a1.rows; i++) for (let j = 0; j < k.rows; j++) expected.data[i * k.rows + j] = (a1.data[i * 2] as number) * (k.data[j * 2] as number) + (a1.data[i * 2 + 1] as number) * (k.data[j * 2 + 1] as number);
  expectClose(unfold(cp, 1).data, expected.data, { atol: 1e-12 });
});

test('modeProduct by an identity is a no-op and matches the unfolded product', () => {
  const rng = new Rng(2);
  const t = { dims: [2, 3, 4], data: Float64Array.from({ length: 24 }, () => rng.normal()) };
  expectClose(modeProduct(t, 1, identity(3)).data, t.data, { rtol: 0, atol: 0 });
  const m = random(5, 4, rng);
  const y = modeProduct(t, 2, m);
  assert.deepEqual(y.dims, [2, 3, 5]);
  expectClose(unfold(y, 2).data, matmul(m, unfold(t, 2)).data, { atol: 1e-12 });
});

test('solveSpdMatrix solves several right-hand sides', () => {
  const a = matrix(3, 3, [4, 1, 0, 1, 3, 1, 0, 1, 2]);
  const x = matrix(3, 2, [1, -1, 2, 0.5, -3, 1]);
  expectClose(solveSpdMatrix(a, matmul(a, x)).data, x.data, { rtol: 1e-6, atol: 1e-7 });
});

test('CP-ALS recovers a random rank-3 four-way tensor to 1e-6', () => {
  const rng = new Rng(3);
  const dims = [8, 6, 3, 3];
  const t = cpCompose(dims.map((d) => random(d, 3, rng)));
  const r = cpAls(t, 3, { maxIterations: 2000, tolerance: 1e-14 });
  assert.ok(r.relError < 1e-6, `relative error ${r.relError}`);
  expectClose(relativeError(cpCompose(r.factors, r.weights).data, t.data), r.relError, { atol: 1e-12 });
});

test('CP-ALS with a rank above a mode size (random padding) and rank 1 of a rank-1 tensor', () => {
  const rng = new Rng(4);
  const t = cpCompose([10, 7, 3, 3].map((d) => random(d, 4, rng)));
  const r = cpAls(t, 4, { maxIterations: 3000, tolerance: 1e-15, seed: 1 });
  assert.ok(r.relError < 1e-5, `rank 4 > mode size 3: relative error ${r.relError}`);
  const one = cpCompose([5, 4, 3].map((d) => random(d, 1, rng)));
  assert.ok(cpAls(one, 1).relError < 1e-10);
  assert.throws(() => cpAls(one, 0), /positive integer/);
});
