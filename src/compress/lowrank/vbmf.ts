/**
 * Rank selection by empirical variational Bayesian matrix factorisation (EVBMF; Nakajima, Sugiyama, Babacan
 * & Tomioka, "Global analytic solution of fully-observed variational Bayesian matrix factorization", JMLR
 * 2013), as Kim et al. (2016) use it on the mode unfoldings of conv kernels.
 *
 * For an L×M matrix (L ≤ M, α = L/M) with singular values γ_h and Gaussian noise of variance σ², the EVB
 * solution keeps exactly the components with x_h = γ_h² / (Mσ²) above x̄ = (1 + τ̄)(1 + α/τ̄), where τ̄ is
 * the zero of Φ(τ) + Φ(τ/α), Φ(z) = ln(z + 1)/z − ½ (τ̄ ≈ 2.5129 for α = 1). The noise variance is
 * estimated by minimising the EVB free energy over σ² (up to constants)
 *     F(σ²) = Σ_h γ_h²/(Mσ²) + L·ln σ² + Σ_{x_h > x̄} [ln(τ_h + 1) + α ln(τ_h/α + 1) − τ_h],
 *     τ_h = ½ (x_h − (1 + α) + √((x_h − (1 + α))² − 4α)),
 * on [σ²_min, ‖Y‖²/(LM)], σ²_min from the smallest L − H̄ singular values (H̄ = ⌈L/(1 + α)⌉ − 1, the most
 * components EVB can keep): a log-spaced grid, then golden-section refinement around its best point.
 */
import { SlimnetError } from '../../ir/errors.js';
import { svd } from '../../util/linalg/svd.js';
import type { Matrix } from '../../util/linalg/matrix.js';

/** Options of `vbmf`: a known noise variance. */
export interface VbmfOptions {
  /** Known noise variance σ² (default: estimated). */
  readonly sigma2?: number;
}

/**
 * The result of `vbmf`: the rank kept by empirical variational Bayes matrix factorisation, the noise variance and the
 * singular-value threshold.
 */
export interface VbmfResult {
  /** Number of components the EVB solution keeps. */
  readonly rank: number;
  /** Noise variance used (estimated unless given). */
  readonly sigma2: number;
  /** Singular-value threshold √(M σ² x̄): components above it are kept. */
  readonly threshold: number;
}

/** Φ(z) = ln(z + 1)/z − ½, with its limit ½ at z = 0. */
function phi(z: number): number {
  return z < 1e-12 ? 0.5 : Math.log1p(z) / z - 0.5;
}

/** τ̄(α): the zero of Φ(τ) + Φ(τ/α) (decreasing in τ), by bisection. */
export function tauBar(alpha: number): number {
  let lo = 1e-9;
  let hi = 1;
  while (phi(hi) + phi(hi / alpha) > 0) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (phi(mid) + phi(mid / alpha) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function freeEnergy(sigma2: number, s2: Float64Array, l: number, m: number, xBar: number, alpha: number): number {
  let f = l * Math.log(sigma2);
  for (const g2 of s2) {
    const x = g2 / (m * sigma2);
    f += x;
    if (x > xBar) {
      const b = x - (1 + alpha);
      const tau = 0.5 * (b + Math.sqrt(Math.max(0, b * b - 4 * alpha)));
      f += Math.log(tau + 1) + alpha * Math.log(tau / alpha + 1) - tau;
    }
  }
  return f;
}

/** EVBMF rank from the singular values of a rows × cols matrix. */
export function vbmfFromSpectrum(singular: ArrayLike<number>, rows: number, cols: number, opts: VbmfOptions = {}): VbmfResult {
  const l = Math.min(rows, cols);
  const m = Math.max(rows, cols);
  if (l < 1) throw new SlimnetError('INVALID_ARGUMENT', `VBMF needs a non-empty matrix, got ${rows}×${cols}`);
  const s2 = Float64Array.from({ length: l }, (_, i) => (Number(singular[i] ?? 0)) ** 2).sort().reverse();
  const alpha = l / m;
  const tb = tauBar(alpha);
  const xBar = (1 + tb) * (1 + alpha / tb);
  const total = s2.reduce((a, b) => a + b, 0);
  if (total === 0) return { rank: 0, sigma2: opts.sigma2 ?? 0, threshold: 0 };
  let sigma2 = opts.sigma2;
  if (sigma2 === undefined) {
    const upper = total / (l * m);
    const hBar = Math.max(0, Math.min(Math.ceil(l / (1 + alpha)) - 1, l - 1));
    let tailMean = 0;
    for (let h = hBar; h < l; h++) tailMean += s2[h] as number;
    tailMean /= Math.max(1, l - hBar) * m;
    const lower = Math.max(((s2[hBar] ?? 0) as number) / (m * xBar), tailMean, upper * 1e-12);
    sigma2 = lower >= upper ? upper : minimiseLog((v) => freeEnergy(v, s2, l, m, xBar, alpha), lower, upper);
  } else if (!(sigma2 > 0)) {
    throw new SlimnetError('INVALID_ARGUMENT', `VBMF noise variance must be positive, got ${sigma2}`);
  }
  let rank = 0;
  for (const g2 of s2) if (g2 / (m * sigma2) > xBar) rank++;
  return { rank, sigma2, threshold: Math.sqrt(m * sigma2 * xBar) };
}

/** EVBMF rank of a matrix. */
export function vbmf(y: Matrix, opts: VbmfOptions = {}): VbmfResult {
  return vbmfFromSpectrum(svd(y).s, y.rows, y.cols, opts);
}

/** Minimiser of f on [lo, hi] (log scale): grid of 64 points, then golden-section search in the best bracket. */
function minimiseLog(f: (x: number) => number, lo: number, hi: number): number {
  const a = Math.log(lo);
  const b = Math.log(hi);
  const n = 64;
  let best = 0;
  let bestVal = Infinity;
  for (let i = 0; i <= n; i++) {
    const v = f(Math.exp(a + ((b - a) * i) / n));
    if (v < bestVal) {
      bestVal = v;
      best = i;
    }
  }
  let left = a + ((b - a) * Math.max(0, best - 1)) / n;
  let right = a + ((b - a) * Math.min(n, best + 1)) / n;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 60; it++) {
    const x1 = right - g * (right - left);
    const x2 = left + g * (right - left);
    if (f(Math.exp(x1)) <= f(Math.exp(x2))) right = x2;
    else left = x1;
  }
  return Math.exp((left + right) / 2);
}
