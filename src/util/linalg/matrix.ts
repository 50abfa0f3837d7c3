/**
 * Dense float64 matrices in row-major order, and the few products the decompositions need. Everything in
 * util/linalg works on this one type so factors can be passed between QR, SVD, ALS and the callers.
 */
import { SlimnetError } from '../../ir/errors.js';

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** rows × cols elements, row-major: element (i, j) at i·cols + j. */
  readonly data: Float64Array;
}

/** A matrix over `data` (copied into float64), or zero-filled when `data` is omitted. */
export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new SlimnetError('INVALID_ARGUMENT', `matrix dims must be non-negative integers, got ${rows}×${cols}`);
  }
  if (data !== undefined && data.length !== rows * cols) {
    throw new SlimnetError('INVALID_ARGUMENT', `a ${rows}×${cols} matrix needs ${rows * cols} elements, got ${data.length}`);
  }
  return { rows, cols, data: data === undefined ? new Float64Array(rows * cols) : Float64Array.from(data) };
}

export function identity(n: number): Matrix {
  const m = matrix(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

export function transpose(a: Matrix): Matrix {
  const t = matrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j] as number;
  return t;
}

function checkInner(what: string, k1: number, k2: number): void {
  if (k1 !== k2) throw new SlimnetError('SHAPE_MISMATCH', `${what}: inner dimensions differ (${k1} vs ${k2})`);
}

/** a · b. */
export function matmul(a: Matrix, b: Matrix): Matrix {
  checkInner('matmul', a.cols, b.rows);
  const c = matrix(a.rows, b.cols);
  const n = b.cols;
  const ad = a.data;
  const bd = b.data;
  const cd = c.data;
  for (let i = 0; i < a.rows; i++) {
    const ci = i * n;
    for (let k = 0; k < a.cols; k++) {
      const aik = ad[i * a.cols + k] as number;
      if (aik === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) cd[ci + j] = (cd[ci + j] as number) + aik * (bd[bk + j] as number);
    }
  }
  return c;
}

/** aᵀ · b without forming aᵀ. */
export function matmulTN(a: Matrix, b: Matrix): Matrix {
  checkInner('matmulTN', a.rows, b.rows);
  const c = matrix(a.cols, b.cols);
  const n = b.cols;
  const ad = a.data;
  const bd = b.data;
  const cd = c.data;
  for (let k = 0; k < a.rows; k++) {
    const ak = k * a.cols;
    const bk = k * n;
    for (let i = 0; i < a.cols; i++) {
      const aki = ad[ak + i] as number;
      if (aki === 0) continue;
      const ci = i * n;
      for (let j = 0; j < n; j++) cd[ci + j] = (cd[ci + j] as number) + aki * (bd[bk + j] as number);
    }
  }
  return c;
}

/** a · bᵀ without forming bᵀ. */
export function matmulNT(a: Matrix, b: Matrix): Matrix {
  checkInner('matmulNT', a.cols, b.cols);
  const c = matrix(a.rows, b.rows);
  const k = a.cols;
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.rows; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += (a.data[i * k + t] as number) * (b.data[j * k + t] as number);
      c.data[i * b.rows + j] = s;
    }
  }
  return c;
}

/** aᵀ a (cols × cols, symmetric). */
export function gram(a: Matrix): Matrix {
  return matmulTN(a, a);
}

/** Elementwise product of equally sized matrices. */
export function hadamard(a: Matrix, b: Matrix): Matrix {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new SlimnetError('SHAPE_MISMATCH', `hadamard: ${a.rows}×${a.cols} vs ${b.rows}×${b.cols}`);
  }
  const c = matrix(a.rows, a.cols);
  for (let i = 0; i < c.data.length; i++) c.data[i] = (a.data[i] as number) * (b.data[i] as number);
  return c;
}

/** Frobenius norm. */
export function frobenius(a: Matrix | Float64Array): number {
  const d = a instanceof Float64Array ? a : a.data;
  let s = 0;
  for (let i = 0; i < d.length; i++) s += (d[i] as number) ** 2;
  return Math.sqrt(s);
}

/** ‖a − b‖_F / ‖b‖_F (0 when both are zero). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new SlimnetError('SHAPE_MISMATCH', `relativeError: ${a.length} vs ${b.length} elements`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += ((a[i] as number) - (b[i] as number)) ** 2;
    den += (b[i] as number) ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** The first `k` columns of a. */
export function leadingColumns(a: Matrix, k: number): Matrix {
  const c = matrix(a.rows, k);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < k; j++) c.data[i * k + j] = a.data[i * a.cols + j] as number;
  return c;
}

/** Multiplies column j of a (in place) by s[j]. */
export function scaleColumns(a: Matrix, s: ArrayLike<number>): Matrix {
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) a.data[i * a.cols + j] = (a.data[i * a.cols + j] as number) * (s[j] as number);
  return a;
}
