/**
 * Symmetric eigendecomposition a = V diag(λ) Vᵀ in float64: Householder reduction to tridiagonal form, then
 * the implicit QL iteration with Wilkinson-type shifts (rotations accumulated into V). O(n³), about ten
 * times faster than cyclic Jacobi for n in the hundreds.
 */
import { SlimnetError } from '../../ir/errors.js';
import { matrix, transpose, type Matrix } from './matrix.js';

export interface Eigen {
  /** Eigenvalues, descending. */
  readonly values: Float64Array;
  /** n × n, column k the unit eigenvector of values[k]. */
  readonly vectors: Matrix;
}

export function symmetricEigen(a: Matrix): Eigen {
  const n = a.rows;
  if (a.cols !== n) throw new SlimnetError('SHAPE_MISMATCH', `symmetricEigen needs a square matrix, got ${a.rows}×${a.cols}`);
  for (const x of a.data) if (!Number.isFinite(x)) throw new SlimnetError('INVALID_ARGUMENT', 'symmetricEigen: the matrix holds NaN or infinite values');
  const w = Float64Array.from(a.data);
  const q = matrix(n, n);
  for (let i = 0; i < n; i++) q.data[i * n + i] = 1;
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(w, n, q.data, d, e);
  // Rotations act on pairs of columns of q: keep qᵀ so that they touch contiguous rows.
  const qt = transpose(q).data;
  implicitQl(d, e, qt, n);
  const order = Array.from(d.keys()).sort((x, y) => (d[y] as number) - (d[x] as number));
  const values = Float64Array.from(order, (k) => d[k] as number);
  const vectors = matrix(n, n);
  for (let i = 0; i < n; i++) order.forEach((src, k) => { vectors.data[i * n + k] = qt[src * n + i] as number; });
  return { values, vectors };
}

/**
 * Householder steps k = 0 … n−3 zero column k below the subdiagonal: w ← H w H, q ← q H. Afterwards
 * d holds the diagonal and e[i] the entry between rows i and i + 1 of the tridiagonal matrix.
 */
function tridiagonalize(w: Float64Array, n: number, q: Float64Array, d: Float64Array, e: Float64Array): void {
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    let norm = 0;
    for (let i = k + 1; i < n; i++) norm += (w[i * n + k] as number) ** 2;
    norm = Math.sqrt(norm);
    const x0 = w[(k + 1) * n + k] as number;
    if (norm === 0) continue;
    const alpha = x0 >= 0 ? -norm : norm;
    v.fill(0);
    for (let i = k + 1; i < n; i++) v[i] = w[i * n + k] as number;
    v[k + 1] = x0 - alpha;
    let vv = 0;
    for (let i = k + 1; i < n; i++) vv += (v[i] as number) ** 2;
    if (vv === 0) continue;
    const beta = 2 / vv;
    // p = β w v; K = β vᵀp / 2; r = p − K v; w ← w − v rᵀ − r vᵀ.
    let vp = 0;
    for (let i = k; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let j = k + 1; j < n; j++) s += (w[row + j] as number) * (v[j] as number);
      p[i] = beta * s;
      vp += (v[i] as number) * (p[i] as number);
    }
    const kk = (beta * vp) / 2;
    for (let i = k; i < n; i++) p[i] = (p[i] as number) - kk * (v[i] as number);
    for (let i = k; i < n; i++) {
      const vi = v[i] as number;
      const pi = p[i] as number;
      const row = i * n;
      for (let j = k; j < n; j++) w[row + j] = (w[row + j] as number) - vi * (p[j] as number) - pi * (v[j] as number);
    }
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let j = k + 1; j < n; j++) s += (q[row + j] as number) * (v[j] as number);
      s *= beta;
      if (s === 0) continue;
      for (let j = k + 1; j < n; j++) q[row + j] = (q[row + j] as number) - s * (v[j] as number);
    }
  }
  for (let i = 0; i < n; i++) {
    d[i] = w[i * n + i] as number;
    e[i] = i + 1 < n ? (w[(i + 1) * n + i] as number) : 0;
  }
}

/** Implicit QL on the tridiagonal (d, e); rotations applied to the rows of zt (the transposed eigenvector matrix). */
function implicitQl(d: Float64Array, e: Float64Array, zt: Float64Array, n: number): void {
  for (let l = 0; l < n; l++) {
    for (let iter = 0; ; iter++) {
      let m = l;
      while (m < n - 1) {
        const dd = Math.abs(d[m] as number) + Math.abs(d[m + 1] as number);
        if (Math.abs(e[m] as number) <= Number.EPSILON * dd) break;
        m++;
      }
      if (m === l) break;
      if (iter === 100) throw new SlimnetError('RUNTIME', `symmetricEigen: no convergence for eigenvalue ${l} after 100 QL steps`);
      let g = ((d[l + 1] as number) - (d[l] as number)) / (2 * (e[l] as number));
      let r = Math.hypot(g, 1);
      g = (d[m] as number) - (d[l] as number) + (e[l] as number) / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let deflated = false;
      for (; i >= l; i--) {
        const f = s * (e[i] as number);
        const b = c * (e[i] as number);
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] = (d[i + 1] as number) - p;
          e[m] = 0;
          deflated = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = (d[i + 1] as number) - p;
        r = ((d[i] as number) - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        const r0 = i * n;
        const r1 = r0 + n;
        for (let k = 0; k < n; k++) {
          const zf = zt[r1 + k] as number;
          const zi = zt[r0 + k] as number;
          zt[r1 + k] = s * zi + c * zf;
          zt[r0 + k] = c * zi - s * zf;
        }
      }
      if (deflated) continue;
      d[l] = (d[l] as number) - p;
      e[l] = g;
      e[m] = 0;
    }
  }
}
