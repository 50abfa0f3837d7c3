/**
 * The policy: which channels to remove, given scores. Per-group ratios (one for all, or by group name),
 * local ranking (each group drops its own lowest-scored channels) or global ranking (one threshold over all
 * groups' scores, normalised by each group's mean when the criterion's scores are not comparable), an
 * optional absolute score threshold (SSL's "near-zero groups"), channel counts rounded to a multiple, and
 * at least `minChannels` kept. Blocked and unscored groups are never touched.
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { DependencyGraph, RemovalPlan } from './types.js';

/**
 * Options of `planRemoval`: ratios, local or global ranking, threshold, rounding of kept counts, minimum channels and
 * exclusions.
 */
export interface PolicyOptions {
  /** Fraction of channels to remove: one number for every group, or by group name (missing names: 0). */
  readonly ratio?: number | Readonly<Record<string, number>>;
  /** 'local' (default): per group; 'global': one ranking over all groups (needs a single ratio). */
  readonly ranking?: 'local' | 'global' | undefined;
  /** Also remove every channel scoring below this value (e.g. after SSL / slimming training). */
  readonly threshold?: number | undefined;
  /** Kept channel counts are rounded up to a multiple of this (default 1). */
  readonly roundTo?: number | undefined;
  /**
   * Kept channel counts of at least this many are further rounded up to a multiple of it; smaller counts stay
   * (default: off). onnxruntime's x86 blocked (NCHWc) convolutions take an input with fewer channels than their
   * block or a multiple of it (block 8 with AVX2, 16 with AVX-512); other counts fall back to a slower kernel,
   * so a pruned model can be no faster despite fewer MACs.
   */
  readonly alignTo?: number | undefined;
  /** Channels every group keeps at least (default 1). */
  readonly minChannels?: number | undefined;
  /** Group names never pruned. */
  readonly exclude?: readonly string[];
}

function check(opts: PolicyOptions): void {
  const ratios = typeof opts.ratio === 'object' ? Object.values(opts.ratio) : [opts.ratio ?? 0];
  if (ratios.some((r) => !(r >= 0 && r < 1))) throw new SlimnetError('INVALID_ARGUMENT', `pruning ratios must be in [0, 1), got ${ratios.join(', ')}`);
  if (opts.ranking === 'global' && typeof opts.ratio === 'object') {
    throw new SlimnetError('INVALID_ARGUMENT', 'global ranking takes one ratio, not a per-layer map');
  }
  for (const [k, v] of [['roundTo', opts.roundTo ?? 1], ['minChannels', opts.minChannels ?? 1], ['alignTo', opts.alignTo ?? 1]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new SlimnetError('INVALID_ARGUMENT', `${k} must be a positive integer, got ${v}`);
  }
}

/**
 * The most channels a group of `size` may lose: ≥ minChannels kept, kept count a multiple of roundTo, and below
 * alignTo or a multiple of it.
 */
function allowedRemoval(size: number, wanted: number, opts: PolicyOptions): number {
  const round = opts.roundTo ?? 1;
  const align = opts.alignTo ?? 1;
  let kept = Math.max(size - wanted, opts.minChannels ?? 1, 1);
  kept = Math.ceil(kept / round) * round;
  if (kept >= align) kept = Math.ceil(kept / align) * align;
  return size - Math.min(size, kept);
}

/** Channel indices sorted by ascending score (ties: lower index first). */
function ascending(scores: Float64Array): number[] {
  return [...scores.keys()].sort((a, b) => (scores[a] as number) - (scores[b] as number) || a - b);
}

/** Decides the channels to remove from the scores (by group id). */
export function planRemoval(
  dep: DependencyGraph,
  scores: ReadonlyMap<number, Float64Array>,
  comparable: boolean,
  opts: PolicyOptions,
): RemovalPlan {
  check(opts);
  const eligible = dep.groups.filter((g) => g.blocked.length === 0 && scores.has(g.id) && !(opts.exclude ?? []).includes(g.name));
  const wanted = new Map<number, number[]>();
  if (opts.ranking === 'global') {
    const all: Array<{ g: number; c: number; s: number }> = [];
    for (const g of eligible) {
      const s = scores.get(g.id) as Float64Array;
      const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
      s.forEach((v, c) => all.push({ g: g.id, c, s: comparable || mean === 0 ? v : v / mean }));
    }
    all.sort((a, b) => a.s - b.s || a.g - b.g || a.c - b.c);
    const count = Math.floor((typeof opts.ratio === 'number' ? opts.ratio : 0) * all.length);
    for (const [i, x] of all.entries()) {
      if (i >= count && !(opts.threshold !== undefined && x.s < opts.threshold)) continue;
      wanted.set(x.g, [...(wanted.get(x.g) ?? []), x.c]);
    }
  } else {
    for (const g of eligible) {
      const s = scores.get(g.id) as Float64Array;
      const r = typeof opts.ratio === 'object' ? (opts.ratio[g.name] ?? 0) : (opts.ratio ?? 0);
      const order = ascending(s);
      const n = Math.floor(r * g.size);
      wanted.set(g.id, order.filter((c, i) => i < n || (opts.threshold !== undefined && (s[c] as number) < opts.threshold)));
    }
  }
  const plan = new Map<number, number[]>();
  for (const [id, channels] of wanted) {
    const g = dep.groups[id];
    const s = scores.get(id);
    if (g === undefined || s === undefined) continue;
    const n = allowedRemoval(g.size, channels.length, opts);
    if (n <= 0) continue;
    const lowest = [...channels].sort((a, b) => (s[a] as number) - (s[b] as number) || a - b).slice(0, n);
    plan.set(id, lowest.sort((a, b) => a - b));
  }
  return plan;
}
