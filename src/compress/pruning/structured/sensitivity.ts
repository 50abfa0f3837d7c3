/**
 * Sensitivity analysis: prune one group at a time at increasing ratios (no retraining) and measure the test
 * error on a subset, plus the MACs / params each step removes. `autoRatios` turns the curves into
 * per-group ratios meeting a global MACs or params target: starting from 0, it repeatedly advances the group
 * whose curve is flattest at its current point (least error added per MAC / parameter saved), checking the
 * real cost of the combined plan after every step.
 */
import type { Split } from '../../../data/types.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { modelStats } from '../../../metrics/layer-stats.js';
import { evaluate } from '../../../runtime/evaluate.js';
import { buildDependencyGraph } from './dependency.js';
import type { Importance } from './importance/types.js';
import { planRemoval } from './policy.js';
import { pruneChannels } from './prune.js';

/** Options of `sensitivity`: importance criterion, labelled data, samples, ratios and groups. */
export interface SensitivityOptions {
  readonly importance: Importance;
  /** Labelled data: the first `limit` samples are evaluated (and used by data-driven criteria). */
  readonly data: Split;
  /** Samples evaluated per point (default 1000). */
  readonly limit?: number;
  /** Ratios swept (default 0.1, 0.2, ..., 0.9, 0.95). */
  readonly ratios?: readonly number[];
  /** Only these groups (by name); default every prunable, scored group. */
  readonly groups?: readonly string[];
  /** Called after each point. */
  readonly onPoint?: (group: string, point: SensitivityPoint) => void;
}

/** One point of a sensitivity curve: ratio, channels kept, top-1 error, MACs and parameters. */
export interface SensitivityPoint {
  readonly ratio: number;
  /** Channels the group keeps. */
  readonly kept: number;
  readonly error: number;
  readonly macs: number;
  readonly params: number;
}

/** Error of the model as one channel group is pruned alone at increasing ratios. */
export interface SensitivityCurve {
  readonly group: number;
  readonly name: string;
  readonly size: number;
  /** The first point is ratio 0 (the unpruned model). */
  readonly points: readonly SensitivityPoint[];
}

/** The result of `sensitivity`: the baseline and one curve per channel group. */
export interface SensitivityResult {
  readonly criterion: string;
  readonly samples: number;
  readonly baseline: SensitivityPoint;
  readonly curves: readonly SensitivityCurve[];
}

/** Pruning ratios swept by `sensitivity` by default: 0.1 to 0.9 in steps of 0.1, then 0.95. */
export const DEFAULT_SENSITIVITY_RATIOS: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];

/**
 * Structured-pruning sensitivity analysis: prunes each channel group alone at each ratio and measures top-1 error on
 * the first `limit` samples.
 */
export async function sensitivity(model: Model, opts: SensitivityOptions): Promise<SensitivityResult> {
  const limit = Math.min(opts.limit ?? 1000, opts.data.count);
  const dep = buildDependencyGraph(model);
  const scores = await opts.importance.score({ dep, data: opts.data });
  const stats = modelStats(model);
  const base = await evaluate(model, opts.data, { limit });
  const baseline: SensitivityPoint = { ratio: 0, kept: 0, error: base.top1Error, macs: stats.macs, params: stats.params };
  const curves: SensitivityCurve[] = [];
  for (const g of dep.groups) {
    if (g.blocked.length > 0 || !scores.has(g.id)) continue;
    if (opts.groups !== undefined && !opts.groups.includes(g.name)) continue;
    const points: SensitivityPoint[] = [{ ...baseline, kept: g.size }];
    let lastKept = g.size;
    for (const ratio of opts.ratios ?? DEFAULT_SENSITIVITY_RATIOS) {
      const plan = planRemoval(dep, scores, opts.importance.comparable, { ratio: { [g.name]: ratio } });
      const removed = plan.get(g.id)?.length ?? 0;
      if (g.size - removed === lastKept) continue;
      lastKept = g.size - removed;
      const pruned = pruneChannels(model, plan);
      const s = modelStats(pruned);
      const r = await evaluate(pruned, opts.data, { limit });
      const point = { ratio, kept: lastKept, error: r.top1Error, macs: s.macs, params: s.params };
      points.push(point);
      opts.onPoint?.(g.name, point);
    }
    curves.push({ group: g.id, name: g.name, size: g.size, points });
  }
  return { criterion: opts.importance.name, samples: limit, baseline, curves };
}

/** What automatic per-group ratios must remove: a fraction of the model's MACs or of its parameters. */
export interface AutoRatioTarget {
  /** Fraction of the model's MACs to remove. */
  readonly macsRatio?: number;
  /** Fraction of the model's parameters to remove. */
  readonly paramsRatio?: number;
}

/**
 * Per-group ratios meeting `target`, greedily from the curves. `measure(ratios)` returns the real MACs and
 * params of the model pruned with those ratios (so group interactions are accounted for).
 */
export function autoRatios(
  result: SensitivityResult,
  target: AutoRatioTarget,
  measure: (ratios: Readonly<Record<string, number>>) => { macs: number; params: number },
): Record<string, number> {
  const key = target.macsRatio !== undefined ? 'macs' : 'params';
  const goal = target.macsRatio ?? target.paramsRatio;
  if (goal === undefined || !(goal > 0 && goal < 1)) throw new SlimnetError('INVALID_ARGUMENT', `autoRatios needs macsRatio or paramsRatio in (0, 1), got ${String(goal)}`);
  const limit = result.baseline[key] * (1 - goal);
  const at = new Map(result.curves.map((c) => [c.name, 0]));
  const ratios = (): Record<string, number> => Object.fromEntries(result.curves.map((c) => [c.name, c.points[at.get(c.name) as number]?.ratio ?? 0]));
  for (;;) {
    if (measure(ratios())[key] <= limit) return ratios();
    let best: { name: string; slope: number } | undefined;
    for (const c of result.curves) {
      const i = at.get(c.name) as number;
      const cur = c.points[i];
      const next = c.points[i + 1];
      if (cur === undefined || next === undefined) continue;
      const saved = cur[key] - next[key];
      if (saved <= 0) continue;
      const slope = (next.error - cur.error) / saved;
      if (best === undefined || slope < best.slope) best = { name: c.name, slope };
    }
    if (best === undefined) {
      throw new SlimnetError('INVALID_ARGUMENT', `cannot remove ${(goal * 100).toFixed(1)}% of ${key}: every group is at its largest swept ratio`);
    }
    at.set(best.name, (at.get(best.name) as number) + 1);
  }
}
