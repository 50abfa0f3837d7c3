/**
 * Sparsity schedules.
 *  - AGP (Zhu & Gupta 2017): s_t = s_f + (s_i − s_f)(1 − (t − t0)/(nΔt))³ for t in {t0, t0+Δt, ..., t0+nΔt};
 *    masks change only every Δt steps, so t is rounded down to the last update point. Before t0 nothing is
 *    pruned; after t0 + nΔt the sparsity stays s_f.
 *  - Iterative (Han et al.): cycle k of n prunes to 1 − (1 − s)^(k/n), i.e. the same fraction of the
 *    remaining weights every cycle, ending exactly at s.
 */
import { SlimnetError } from '../../../ir/errors.js';
import { checkSparsity } from './select.js';

/**
 * The automated gradual pruning schedule (Zhu & Gupta): sparsity rises from s_i to s_f along a cubic over n steps every
 * Δt.
 */
export interface AgpSchedule {
  /** Sparsity at the first pruning step t0 (default 0). */
  readonly initialSparsity?: number;
  /** Final sparsity s_f. */
  readonly finalSparsity: number;
  /** First pruning step t0 (default 0). */
  readonly start?: number;
  /** Number of pruning steps n (>= 1) after t0. */
  readonly steps: number;
  /** Δt: interval between mask updates (default 1). */
  readonly frequency?: number;
}

/** Sparsity the AGP schedule prescribes at step (or epoch) t. */
export function agpSparsity(t: number, s: AgpSchedule): number {
  const si = checkSparsity(s.initialSparsity ?? 0, 'AGP initial');
  const sf = checkSparsity(s.finalSparsity, 'AGP final');
  const t0 = s.start ?? 0;
  const dt = s.frequency ?? 1;
  if (!Number.isInteger(s.steps) || s.steps < 1) throw new SlimnetError('INVALID_ARGUMENT', `AGP steps must be a positive integer, got ${s.steps}`);
  if (!(dt > 0)) throw new SlimnetError('INVALID_ARGUMENT', `AGP frequency must be positive, got ${dt}`);
  if (t < t0) return 0;
  const k = Math.min(s.steps, Math.floor((t - t0) / dt));
  const frac = 1 - k / s.steps;
  return sf + (si - sf) * frac * frac * frac;
}

/** Sparsity of each of `cycles` iterative pruning cycles, ending at `target`. */
export function iterativeSparsities(target: number, cycles: number): number[] {
  checkSparsity(target, 'iterative');
  if (!Number.isInteger(cycles) || cycles < 1) throw new SlimnetError('INVALID_ARGUMENT', `cycles must be a positive integer, got ${cycles}`);
  return Array.from({ length: cycles }, (_, k) => (k === cycles - 1 ? target : 1 - Math.pow(1 - target, (k + 1) / cycles)));
}
