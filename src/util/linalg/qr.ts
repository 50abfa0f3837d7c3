/** Householder QR (thin) and least squares through it. */
import { SlimnetError } from '../../ir/errors.js';
import { matrix, matmulTN, type Matrix } from './matrix.js';

export interface QR {
  /** rows × k with orthonormal columns, k = min(rows, cols). */
  readonly q: Matrix;
  /** k × cols, upper triangular (upper trapezoidal when cols > rows). */
  readonly r: Matrix;
}

/** Thin QR decomposition a = q r by Householder reflections (float64, a is not modified). */
export function qr(a: Matrix): QR {
  const m = a.rows;
  const n = a.cols;
  const k = Math.min(m, n);
  const w = Float64Array.from(a.data);
  const reflectors: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(m - j);
    let norm = 0;
    for (let i = j; i < m; i++) {
      v[i - j] = w[i * n + j] as number;
      norm += (v[i - j] as number) ** 2;
    }
    norm = Math.sqrt(norm);
    const x0 = v[0] as number;
    const alpha = x0 >= 0 ? -norm : norm;
    v[0] = x0 - alpha;
    let vnorm = 0;
    for (let i = 0; i < v.length; i++) vnorm += (v[i] as number) ** 2;
    vnorm = Math.sqrt(vnorm);
    if (vnorm > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / vnorm;
    reflectors.push(v);
    if (vnorm === 0) continue;
    applyReflector(w, n, j, v, j, n);
  }
  const r = matrix(k, n);
  for (let i = 0; i < k; i++) for (let j = i; j < n; j++) r.data[i * n + j] = w[i * n + j] as number;
  const q = matrix(m, k);
  for (let i = 0; i < k; i++) q.data[i * k + i] = 1;
  for (let j = k - 1; j >= 0; j--) applyReflector(q.data, k, j, reflectors[j] as Float64Array, 0, k);
  return { q, r };
}

/** Rows from `top` of the row-major buffer (width `cols`), columns [c0, c1): x ← (I − 2vvᵀ) x. */
function applyReflector(buf: Float64Array, cols: number, top: number, v: Float64Array, c0: number, c1: number): void {
  for (let c = c0; c < c1; c++) {
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += (v[i] as number) * (buf[(top + i) * cols + c] as number);
    if (dot === 0) continue;
    dot *= 2;
    for (let i = 0; i < v.length; i++) buf[(top + i) * cols + c] = (buf[(top + i) * cols + c] as number) - dot * (v[i] as number);
  }
}

/**
 * The least-squares solution X of min ‖a X − b‖_F for a tall a (rows ≥ cols) of full column rank, by QR.
 * Throws when a is (numerically) rank deficient.
 */
export function lstsq(a: Matrix, b: Matrix): Matrix {
  if (a.rows < a.cols) throw new SlimnetError('INVALID_ARGUMENT', `lstsq needs rows ≥ cols, got ${a.rows}×${a.cols}`);
  if (b.rows !== a.rows) throw new SlimnetError('SHAPE_MISMATCH', `lstsq: a has ${a.rows} rows, b has ${b.rows}`);
  const { q, r } = qr(a);
  const qtb = matmulTN(q, b);
  const n = a.cols;
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(r.data[i * n + i] as number));
  const x = matrix(n, b.cols);
  for (let c = 0; c < b.cols; c++) {
    for (let i = n - 1; i >= 0; i--) {
      const d = r.data[i * n + i] as number;
      if (Math.abs(d) <= 1e-13 * maxDiag || d === 0) {
        throw new SlimnetError('INVALID_ARGUMENT', `lstsq: the ${a.rows}×${a.cols} matrix is rank deficient (column ${i})`);
      }
      let s = qtb.data[i * b.cols + c] as number;
      for (let k = i + 1; k < n; k++) s -= (r.data[i * n + k] as number) * (x.data[k * b.cols + c] as number);
      x.data[i * b.cols + c] = s / d;
    }
  }
  return x;
}
