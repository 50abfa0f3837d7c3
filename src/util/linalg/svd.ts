/**
 * Thin singular value decomposition a = u · diag(s) · vᵀ by one-sided (Hestenes) Jacobi rotations in
 * float64: columns are rotated pairwise until all are mutually orthogonal; their norms are the singular
 * values. A tall matrix is first reduced by QR (Jacobi then runs on the small triangular factor), a wide one
 * is transposed. Accurate to about machine precision relative to ‖a‖, also for small singular values.
 *
 * For larger matrices (more than `jacobiLimit` columns after orientation) the default path is faster: the
 * eigendecomposition of the Gram matrix aᵀa gives V and σ² (Householder + QL, eigen.ts), then u_j = a v_j / σ_j,
 * re-orthonormalised in order of σ. Singular values are then accurate to about 1e-8·σ_max in absolute terms
 * (as accurate as σ² is): ample for truncation, but below that level u·diag(s)·vᵀ reproduces a only to
 * ~1e-8·‖a‖ (columns with σ under 1e-7·σ_max get an arbitrary orthonormal completion).
 */
import { SlimnetError } from '../../ir/errors.js';
import { symmetricEigen } from './eigen.js';
import { gram, matmul, matrix, transpose, type Matrix } from './matrix.js';
import { qr } from './qr.js';

export interface SVD {
  /** rows × k, orthonormal columns (k = min(rows, cols)). */
  readonly u: Matrix;
  /** k singular values, descending. */
  readonly s: Float64Array;
  /** cols × k, orthonormal columns. */
  readonly v: Matrix;
}

export interface SvdOptions {
  /** Largest number of Jacobi sweeps (default 60). */
  readonly maxSweeps?: number;
  /**
   * 'jacobi' (one-sided Jacobi, most accurate), 'gram' (eigendecomposition of aᵀa, fastest) or 'auto'
   * (default: Jacobi up to `jacobiLimit` columns after orientation, else Gram).
   */
  readonly method?: 'auto' | 'jacobi' | 'gram';
  /** Largest smaller dimension for which 'auto' uses Jacobi (default 96). */
  readonly jacobiLimit?: number;
}

export function svd(a: Matrix, opts: SvdOptions = {}): SVD {
  if (a.rows === 0 || a.cols === 0) throw new SlimnetError('INVALID_ARGUMENT', `svd of an empty ${a.rows}×${a.cols} matrix`);
  for (const x of a.data) if (!Number.isFinite(x)) throw new SlimnetError('INVALID_ARGUMENT', 'svd: the matrix holds NaN or infinite values');
  if (a.cols > a.rows) {
    const t = svd(transpose(a), opts);
    return { u: t.v, s: t.s, v: t.u };
  }
  const method = opts.method ?? 'auto';
  if (method === 'gram' || (method === 'auto' && a.cols > (opts.jacobiLimit ?? 96))) return gramSvd(a);
  if (a.rows > a.cols) {
    const { q, r } = qr(a);
    const inner = jacobiSvd(r, opts.maxSweeps ?? 60);
    return { u: matmul(q, inner.u), s: inner.s, v: inner.v };
  }
  return jacobiSvd(a, opts.maxSweeps ?? 60);
}

/** One-sided Jacobi on a square (or tall) matrix; columns handled as contiguous arrays. */
function jacobiSvd(a: Matrix, maxSweeps: number): SVD {
  const m = a.rows;
  const n = a.cols;
  const cols: Float64Array[] = [];
  const vcols: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const c = new Float64Array(m);
    for (let i = 0; i < m; i++) c[i] = a.data[i * n + j] as number;
    cols.push(c);
    const v = new Float64Array(n);
    v[j] = 1;
    vcols.push(v);
  }
  const eps = 1e-15;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const ap = cols[p] as Float64Array;
        const aq = cols[q] as Float64Array;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = ap[i] as number;
          const y = aq[i] as number;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(ap, aq, c, s);
        rotate(vcols[p] as Float64Array, vcols[q] as Float64Array, c, s);
      }
    }
    if (!rotated) break;
  }
  const norms = cols.map((c) => Math.sqrt(c.reduce((acc, x) => acc + x * x, 0)));
  const order = norms.map((_, i) => i).sort((x, y) => (norms[y] as number) - (norms[x] as number));
  const u = matrix(m, n);
  const v = matrix(n, n);
  const s = new Float64Array(n);
  const top = norms[order[0] as number] as number;
  const zeroBelow = top * Math.max(m, n) * 1e-15;
  const missing: number[] = [];
  order.forEach((src, k) => {
    const sigma = norms[src] as number;
    s[k] = sigma;
    const col = cols[src] as Float64Array;
    const vc = vcols[src] as Float64Array;
    for (let i = 0; i < n; i++) v.data[i * n + k] = vc[i] as number;
    if (sigma <= zeroBelow || sigma === 0) {
      missing.push(k);
      return;
    }
    for (let i = 0; i < m; i++) u.data[i * n + k] = (col[i] as number) / sigma;
  });
  completeOrthonormal(u, missing);
  return { u, s, v };
}

/** SVD of a tall (or square) matrix from the eigendecomposition of aᵀa. */
function gramSvd(a: Matrix): SVD {
  const n = a.cols;
  const m = a.rows;
  const { values, vectors } = symmetricEigen(gram(a));
  const s = Float64Array.from(values, (l) => Math.sqrt(Math.max(0, l)));
  const av = matmul(a, vectors);
  const u = matrix(m, n);
  const top = s[0] as number;
  const missing: number[] = [];
  const done: number[] = [];
  for (let k = 0; k < n; k++) {
    const sigma = s[k] as number;
    if (!(sigma > top * 1e-7)) {
      missing.push(k);
      continue;
    }
    // Column k of a·V, normalised. Its orthogonality to the earlier columns degrades like ε·σ_max²/σ_k², so
    // columns with σ_k below 1e-4·σ_max are re-orthogonalised against them (twice, for stability).
    const col = new Float64Array(m);
    for (let i = 0; i < m; i++) col[i] = av.data[i * n + k] as number;
    for (let pass = 0; pass < (sigma < 1e-4 * top ? 2 : 0); pass++) {
      for (const j of done) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += (u.data[i * n + j] as number) * (col[i] as number);
        for (let i = 0; i < m; i++) col[i] = (col[i] as number) - dot * (u.data[i * n + j] as number);
      }
    }
    const norm = Math.sqrt(col.reduce((acc, x) => acc + x * x, 0));
    if (!(norm > 0)) {
      missing.push(k);
      continue;
    }
    for (let i = 0; i < m; i++) u.data[i * n + k] = (col[i] as number) / norm;
    done.push(k);
  }
  completeOrthonormal(u, missing);
  return { u, s, v: vectors };
}

function rotate(x: Float64Array, y: Float64Array, c: number, s: number): void {
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    const yi = y[i] as number;
    x[i] = c * xi - s * yi;
    y[i] = s * xi + c * yi;
  }
}

/**
 * Fills the listed columns of u (left zero where a singular value vanished) with unit vectors orthogonal to
 * every other column, by Gram-Schmidt on the standard basis vector with the largest residual.
 */
export function completeOrthonormal(u: Matrix, columns: readonly number[]): void {
  if (columns.length === 0) return;
  const m = u.rows;
  const k = u.cols;
  const filled = new Set<number>();
  for (let j = 0; j < k; j++) if (!columns.includes(j)) filled.add(j);
  for (const target of columns) {
    let best: Float64Array | undefined;
    let bestNorm = -1;
    for (let e = 0; e < m; e++) {
      const r = new Float64Array(m);
      r[e] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (const j of filled) {
          let dot = 0;
          for (let i = 0; i < m; i++) dot += (u.data[i * k + j] as number) * (r[i] as number);
          for (let i = 0; i < m; i++) r[i] = (r[i] as number) - dot * (u.data[i * k + j] as number);
        }
      }
      const norm = Math.sqrt(r.reduce((acc, x) => acc + x * x, 0));
      if (norm > bestNorm) {
        bestNorm = norm;
        best = r;
      }
      if (norm > 0.7) break;
    }
    if (best === undefined || bestNorm <= 1e-12) throw new SlimnetError('RUNTIME', `svd: cannot complete an orthonormal basis (${k} columns in dimension ${m})`);
    for (let i = 0; i < m; i++) u.data[i * k + target] = (best[i] as number) / bestNorm;
    filled.add(target);
  }
}
