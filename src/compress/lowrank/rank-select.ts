/**
 * Rank selection, one rule per option:
 *  - fixed: an integer ≥ 1 is that rank (clipped to each layer's full rank; CP: to its rank limit), a number
 *    in (0, 1) that fraction of each layer's full rank (rounded, at least 1), or ranks per layer by node name;
 *  - energy E: the smallest rank keeping a fraction E of the spectrum's energy Σσ²;
 *  - VBMF: the EVBMF rank of each spectrum (at least 1);
 *  - budget B (global): one energy level shared by all layers, the largest whose factored model keeps at
 *    most B of the whole model's MACs (or parameters), found by bisection.
 * Where a rank parameter has several spectra (CP), it takes the largest rank any of them asks for.
 * With alignTo N, every chosen rank of at least N is then rounded up to a multiple of N (at most the layer's
 * rank limit); budgets search with the aligned ranks. A layer whose factored cost is not below its current
 * cost is left unchanged.
 */
import { SlimnetError } from '../../ir/errors.js';
import type { Cost, MethodAnalysis, Spectrum } from './methods/types.js';
import { vbmfFromSpectrum } from './vbmf.js';

/** One candidate layer: its name, analysis and current cost. */
export interface Candidate {
  readonly name: string;
  readonly analysis: MethodAnalysis;
  readonly cost: Cost;
}

/** How ranks are chosen: fixed, by energy kept, by VBMF, or by a global MACs / params budget. */
export type RankRule =
  | { readonly kind: 'fixed'; readonly rank: number | Readonly<Record<string, number | readonly number[]>> }
  | { readonly kind: 'energy'; readonly energy: number }
  | { readonly kind: 'vbmf' }
  | { readonly kind: 'budget'; readonly budget: number; readonly metric: 'macs' | 'params'; readonly modelCost: number };

export interface SelectOptions {
  /** Leave a layer unchanged when its factored cost is not lower (default true; budgets always do). */
  readonly onlyIfSmaller?: boolean;
  /**
   * Round every rank of at least this many up to a multiple of it (default 1: off). Ranks are the channel
   * counts of the inner stages, and onnxruntime's blocked x86 convolutions want fewer channels than their
   * block (8 with AVX2, 16 with AVX-512) or a multiple of it.
   */
  readonly alignTo?: number;
}

/** The ranks chosen for one layer, or why it stays unchanged. */
export interface RankChoice {
  /** Ranks per rank parameter, or undefined with a reason when the layer stays as it is. */
  readonly ranks?: readonly number[];
  readonly reason?: string;
  /** The energy level a budget search settled on (budget rule only). */
  readonly energy?: number;
}

/** Smallest rank whose leading singular values keep at least `energy` of Σσ². */
export function energyRank(s: ArrayLike<number>, energy: number): number {
  let total = 0;
  for (let i = 0; i < s.length; i++) total += (s[i] as number) ** 2;
  if (total === 0) return 1;
  let acc = 0;
  for (let i = 0; i < s.length; i++) {
    acc += (s[i] as number) ** 2;
    if (acc >= energy * total * (1 - 1e-12)) return i + 1;
  }
  return s.length;
}

function perParam(a: MethodAnalysis, pick: (s: Spectrum) => number): number[] {
  return a.spectra.map((specs, i) => {
    const r = Math.max(1, ...specs.map(pick));
    return Math.min(r, a.maxRanks[i] as number);
  });
}

function fixedRanks(c: Candidate, rank: number | Readonly<Record<string, number | readonly number[]>>): number[] | undefined {
  const max = c.analysis.maxRanks;
  const limit = c.analysis.rankLimits ?? max;
  if (typeof rank === 'number') {
    return max.map((m, i) => (rank < 1 ? Math.max(1, Math.round(rank * m)) : Math.min(rank, limit[i] as number)));
  }
  const given = rank[c.name];
  if (given === undefined) return undefined;
  const list = typeof given === 'number' ? max.map(() => given) : given;
  if (list.length !== max.length) {
    throw new SlimnetError('INVALID_ARGUMENT', `layer '${c.name}' takes ${max.length} rank(s), got [${list.join(',')}]`);
  }
  return list.map((r, i) => {
    if (!Number.isInteger(r) || r < 1) throw new SlimnetError('INVALID_ARGUMENT', `rank of layer '${c.name}' must be a positive integer, got ${r}`);
    return Math.min(r, limit[i] as number);
  });
}

/** Ranks of at least `align` rounded up to a multiple of it, within the layer's rank limits. */
export function alignRanks(a: MethodAnalysis, ranks: readonly number[], align: number): number[] {
  const limit = a.rankLimits ?? a.maxRanks;
  return ranks.map((r, i) => (r >= align ? Math.min(Math.ceil(r / align) * align, Math.max(r, limit[i] as number)) : r));
}

function withGain(c: Candidate, ranks: readonly number[], metric: 'macs' | 'params', required = true): RankChoice {
  if (!required) return { ranks };
  const after = c.analysis.cost(ranks);
  if (after[metric] >= c.cost[metric]) return { reason: `no ${metric === 'macs' ? 'MAC' : 'parameter'} saving at rank ${ranks.join('×')} (${after[metric]} ≥ ${c.cost[metric]})` };
  return { ranks };
}

/** Ranks for every candidate under one rule. */
export function selectRanks(candidates: readonly Candidate[], rule: RankRule, opts: SelectOptions = {}): RankChoice[] {
  const metric = rule.kind === 'budget' ? rule.metric : 'macs';
  const req = opts.onlyIfSmaller ?? true;
  const align = opts.alignTo ?? 1;
  if (!Number.isInteger(align) || align < 1) throw new SlimnetError('INVALID_ARGUMENT', `alignTo must be a positive integer, got ${align}`);
  const fit = (c: Candidate, ranks: readonly number[]): number[] => alignRanks(c.analysis, ranks, align);
  switch (rule.kind) {
    case 'fixed':
      return candidates.map((c) => {
        const r = fixedRanks(c, rule.rank);
        return r === undefined ? { reason: 'no rank given for this layer' } : withGain(c, fit(c, r), metric, req);
      });
    case 'energy':
      return candidates.map((c) => withGain(c, fit(c, perParam(c.analysis, (s) => energyRank(s.values, rule.energy))), metric, req));
    case 'vbmf':
      return candidates.map((c) => withGain(c, fit(c, perParam(c.analysis, (s) => vbmfFromSpectrum(s.values, s.rows, s.cols).rank)), metric, req));
    case 'budget':
      return budgetRanks(candidates, rule.budget, rule.metric, rule.modelCost, fit);
  }
}

type Fit = (c: Candidate, ranks: readonly number[]) => number[];

function budgetRanks(candidates: readonly Candidate[], budget: number, metric: 'macs' | 'params', modelCost: number, fit: Fit): RankChoice[] {
  const at = (energy: number): { choices: RankChoice[]; total: number } => {
    let total = modelCost;
    const choices = candidates.map((c) => {
      const choice = withGain(c, fit(c, perParam(c.analysis, (s) => energyRank(s.values, energy))), metric);
      if (choice.ranks !== undefined) total -= c.cost[metric] - c.analysis.cost(choice.ranks)[metric];
      return { ...choice, energy };
    });
    return { choices, total };
  };
  const target = budget * modelCost;
  const lowest = at(0);
  if (lowest.total > target) {
    throw new SlimnetError(
      'INVALID_ARGUMENT',
      `budget ${budget} (${Math.round(target)} ${metric}) is out of reach: rank 1 in every factorable layer still leaves ${Math.round(lowest.total)} of ${modelCost}`,
    );
  }
  let lo = 0;
  let hi = 1;
  if (at(1).total <= target) return at(1).choices;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (at(mid).total <= target) lo = mid;
    else hi = mid;
  }
  return at(lo).choices;
}
