/**
 * CP (CANDECOMP/PARAFAC) decomposition by alternating least squares: X ≈ Σ_r λ_r a⁰_r ∘ a¹_r ∘ … .
 * Each step solves one factor exactly with the others fixed,
 *   Aₙ ← X_(n) · K · (⊛_{m≠n} AₘᵀAₘ)⁻¹,   K = ⊙_{m≠n} Aₘ (Khatri-Rao),
 * then moves the column norms of Aₙ into λ. Initialised from the leading left singular vectors of each
 * unfolding (padded with seeded Gaussian columns where the rank exceeds a mode's size), or randomly.
 */
import { SlimnetError } from '../../ir/errors.js';
import { Rng } from '../rng.js';
import { solveSpdMatrix } from './cholesky.js';
import { gram, hadamard, leadingColumns, matmul, matrix, transpose, type Matrix } from './matrix.js';
import { svd } from './svd.js';
import { cpCompose, khatriRaoAll, unfold, type DenseTensor } from './tensor.js';

export interface CpOptions {
  /** Largest number of ALS sweeps over all modes (default 500). */
  readonly maxIterations?: number;
  /** Stop when the relative error changes by less than this between sweeps (default 1e-9). */
  readonly tolerance?: number;
  /** Initial factors: 'svd' (default) or 'random'. */
  readonly init?: 'svd' | 'random';
  /** Seed of the random columns (default 0). */
  readonly seed?: number;
}

export interface CpResult {
  /** One factor per mode, dims[n] × rank, unit-norm columns. */
  readonly factors: readonly Matrix[];
  /** Column weights λ (rank). */
  readonly weights: Float64Array;
  /** ‖X − X̂‖_F / ‖X‖_F of the returned decomposition. */
  readonly relError: number;
  readonly iterations: number;
}

export function cpAls(t: DenseTensor, rank: number, opts: CpOptions = {}): CpResult {
  if (!Number.isInteger(rank) || rank < 1) throw new SlimnetError('INVALID_ARGUMENT', `CP rank must be a positive integer, got ${rank}`);
  if (t.dims.length < 2) throw new SlimnetError('INVALID_ARGUMENT', `CP needs a tensor of at least 2 modes, got dims [${t.dims.join(',')}]`);
  const maxIt = opts.maxIterations ?? 500;
  const tol = opts.tolerance ?? 1e-9;
  const rng = new Rng(opts.seed ?? 0);
  const modes = t.dims.length;
  const unfoldings = t.dims.map((_, n) => unfold(t, n));
  const normX = Math.sqrt(t.data.reduce((a, x) => a + x * x, 0));
  if (normX === 0) {
    const factors = t.dims.map((d) => matrix(d, rank));
    return { factors, weights: new Float64Array(rank), relError: 0, iterations: 0 };
  }
  const factors = t.dims.map((d, n) => initialFactor(unfoldings[n] as Matrix, d, rank, opts.init ?? 'svd', rng));
  let weights: Float64Array = new Float64Array(rank).fill(1);
  let prev = Infinity;
  let iterations = 0;
  for (let it = 0; it < maxIt; it++) {
    iterations = it + 1;
    let err = 0;
    for (let n = 0; n < modes; n++) {
      const others = factors.filter((_, m) => m !== n);
      const k = khatriRaoAll(others);
      const g = others.map(gram).reduce((a, b) => hadamard(a, b));
      const mttkrp = matmul(unfoldings[n] as Matrix, k);
      const an = transpose(solveSpdMatrix(g, transpose(mttkrp)));
      weights = normalizeColumns(an);
      factors[n] = an;
      if (n === modes - 1) err = fastError(normX, mttkrp, an, weights, factors);
    }
    if (Math.abs(prev - err) < tol) break;
    prev = err;
  }
  const approx = cpCompose(factors, weights);
  let num = 0;
  for (let i = 0; i < approx.data.length; i++) num += ((approx.data[i] as number) - (t.data[i] as number)) ** 2;
  return { factors, weights, relError: Math.sqrt(num) / normX, iterations };
}

function initialFactor(xn: Matrix, d: number, rank: number, init: 'svd' | 'random', rng: Rng): Matrix {
  const f = matrix(d, rank);
  let start = 0;
  if (init === 'svd') {
    const u = leadingColumns(svd(xn).u, Math.min(rank, d));
    for (let i = 0; i < d; i++) for (let r = 0; r < u.cols; r++) f.data[i * rank + r] = u.data[i * u.cols + r] as number;
    start = u.cols;
  }
  for (let i = 0; i < d; i++) for (let r = start; r < rank; r++) f.data[i * rank + r] = rng.normal();
  normalizeColumns(f);
  return f;
}

/** Scales the columns of a to unit norm (zero columns stay zero); returns the old norms. */
function normalizeColumns(a: Matrix): Float64Array {
  const norms = new Float64Array(a.cols);
  for (let i = 0; i < a.rows; i++) for (let r = 0; r < a.cols; r++) norms[r] = (norms[r] as number) + (a.data[i * a.cols + r] as number) ** 2;
  for (let r = 0; r < a.cols; r++) norms[r] = Math.sqrt(norms[r] as number);
  for (let i = 0; i < a.rows; i++) {
    for (let r = 0; r < a.cols; r++) {
      const nr = norms[r] as number;
      if (nr > 0) a.data[i * a.cols + r] = (a.data[i * a.cols + r] as number) / nr;
    }
  }
  return norms;
}

/** ‖X − X̂‖/‖X‖ from the last mode's MTTKRP, without forming X̂. */
function fastError(normX: number, mttkrp: Matrix, an: Matrix, weights: Float64Array, factors: readonly Matrix[]): number {
  const rank = weights.length;
  let inner = 0;
  for (let i = 0; i < an.rows; i++) for (let r = 0; r < rank; r++) inner += (mttkrp.data[i * rank + r] as number) * (an.data[i * rank + r] as number) * (weights[r] as number);
  const g = factors.map(gram).reduce((a, b) => hadamard(a, b));
  let normHat = 0;
  for (let p = 0; p < rank; p++) for (let q = 0; q < rank; q++) normHat += (weights[p] as number) * (weights[q] as number) * (g.data[p * rank + q] as number);
  return Math.sqrt(Math.max(0, normX * normX - 2 * inner + normHat)) / normX;
}
