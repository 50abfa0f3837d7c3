/** Small dense linear algebra in Float64Array (row-major n×n): Cholesky, damped inverse, SPD solves. */
import { SlimnetError } from '../../ir/errors.js';
import { matrix, type Matrix } from './matrix.js';

/** Lower-triangular Cholesky factor of a symmetric positive-definite matrix, or undefined when not PD. */
export function cholesky(a: Float64Array, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j] as number;
    for (let k = 0; k < j; k++) d -= (l[j * n + k] as number) ** 2;
    if (!(d > 0)) return undefined;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j] as number;
      const ri = i * n;
      const rj = j * n;
      for (let k = 0; k < j; k++) s -= (l[ri + k] as number) * (l[rj + k] as number);
      l[ri + j] = s / ljj;
    }
  }
  return l;
}

/**
 * Inverse of (A + λI) for symmetric positive semi-definite A, λ = damping × mean(diag A) (at least 1e-12).
 * When the Cholesky factorisation fails the damping is multiplied by 10 (up to 8 times).
 */
export function dampedInverse(a: Float64Array, n: number, damping: number): Float64Array {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += a[i * n + i] as number;
  mean = mean / Math.max(1, n) || 1;
  let lambda = Math.max(damping * mean, 1e-12);
  for (let attempt = 0; attempt < 9; attempt++, lambda *= 10) {
    const m = Float64Array.from(a);
    for (let i = 0; i < n; i++) m[i * n + i] = (m[i * n + i] as number) + lambda;
    const l = cholesky(m, n);
    if (l !== undefined) return inverseFromCholesky(l, n);
  }
  throw new SlimnetError('INVALID_ARGUMENT', `layer Hessian (${n}×${n}) is not positive definite even with damping ${lambda}`);
}

/** (L Lᵀ)⁻¹ = L⁻ᵀ L⁻¹ from the Cholesky factor L. */
export function inverseFromCholesky(l: Float64Array, n: number): Float64Array {
  const li = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    li[j * n + j] = 1 / (l[j * n + j] as number);
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= (l[i * n + k] as number) * (li[k * n + j] as number);
      li[i * n + j] = s / (l[i * n + i] as number);
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += (li[k * n + i] as number) * (li[k * n + j] as number);
      inv[i * n + j] = s;
      inv[j * n + i] = s;
    }
  }
  return inv;
}

/**
 * Solves (A + λI) x = b for symmetric positive semi-definite A by Cholesky, with a small ridge
 * λ = max(1e-12, 1e-8 · mean(diag A)), grown ×10 until the factorisation succeeds.
 */
export function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  return choleskySolve(ridgedCholesky(a, n), b, n);
}

/**
 * X with A X = B for every column of B (A n×n symmetric positive semi-definite, B n×k). A is factorised as
 * given when it is positive definite; otherwise the ridge rule of `solveSpd` applies.
 */
export function solveSpdMatrix(a: Matrix, b: Matrix): Matrix {
  const n = a.rows;
  if (a.cols !== n || b.rows !== n) throw new SlimnetError('SHAPE_MISMATCH', `solveSpdMatrix: A is ${a.rows}×${a.cols}, B is ${b.rows}×${b.cols}`);
  const l = cholesky(a.data, n) ?? ridgedCholesky(a.data, n);
  const x = matrix(n, b.cols);
  const col = new Float64Array(n);
  for (let c = 0; c < b.cols; c++) {
    for (let i = 0; i < n; i++) col[i] = b.data[i * b.cols + c] as number;
    const sol = choleskySolve(l, col, n);
    for (let i = 0; i < n; i++) x.data[i * b.cols + c] = sol[i] as number;
  }
  return x;
}

/** Cholesky factor of A + λI, λ = max(1e-12, 1e-8 · mean(diag A)) grown ×10 until the factorisation succeeds. */
function ridgedCholesky(a: Float64Array, n: number): Float64Array {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i] as number;
  let ridge = Math.max(1e-12, (1e-8 * trace) / Math.max(1, n));
  for (let attempt = 0; attempt < 12; attempt++, ridge *= 10) {
    const m = Float64Array.from(a);
    for (let i = 0; i < n; i++) m[i * n + i] = (m[i * n + i] as number) + ridge;
    const l = cholesky(m, n);
    if (l !== undefined) return l;
  }
  throw new SlimnetError('INVALID_ARGUMENT', `matrix (${n}×${n}) is not positive semi-definite`);
}

/** x with L Lᵀ x = b (forward then backward substitution). */
function choleskySolve(l: Float64Array, b: Float64Array, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * n + k] as number) * (y[k] as number);
    y[i] = s / (l[i * n + i] as number);
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let k = i + 1; k < n; k++) s -= (l[k * n + i] as number) * (x[k] as number);
    x[i] = s / (l[i * n + i] as number);
  }
  return x;
}
