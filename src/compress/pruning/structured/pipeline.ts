/**
 * structuredPrune: the whole method in one call. Per step (of `steps`): analyse the dependency graph,
 * score channels, choose per-group counts meeting this step's share of the target (a ratio of channels, or
 * of MACs / params measured on the pruned model), remove the channels physically, and fine-tune with
 * `train()`. A criterion with a `prepare` hook (SSL, slimming: sparsity training) runs it first. Returns the smaller dense model,
 * costs before / after and a per-group report (pruned, unchanged, blocked with reasons, unscored).
 */
import type { Dataset } from '../../../data/types.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { modelStats } from '../../../metrics/layer-stats.js';
import { train } from '../../../train/trainer.js';
import type { Schedule } from '../../../train/schedule.js';
import type { TrainOptions } from '../../../train/types.js';
import { buildDependencyGraph } from './dependency.js';
import { structuredCriterion } from './criteria.js';
import type { Importance } from './importance/types.js';
import type { RawOptions } from '../../options.js';
import { resolveMethodOptions } from '../../registry.js';
import { planRemoval, type PolicyOptions } from './policy.js';
import { pruneChannels } from './prune.js';
import { autoRatios, sensitivity, type SensitivityResult } from './sensitivity.js';
import type { BlockReason, DependencyGraph, RemovalPlan } from './types.js';

/** How much structured pruning removes: a fraction of each group's channels, or of the model's MACs or parameters. */
export type PruneTarget = { readonly ratio: number } | { readonly macsRatio: number } | { readonly paramsRatio: number };

/** The training settings of structured pruning's train() calls unless StructuredPruneOptions.train overrides them. */
export const STRUCTURED_TRAIN_DEFAULTS = {
  lr: 0.01, schedule: { kind: 'constant' } as Schedule, optimizer: 'sgd', momentum: 0.9, nesterov: false,
  weightDecay: 0, batchSize: 64,
} as const;

/** opts.train over STRUCTURED_TRAIN_DEFAULTS (the SGD defaults only when the optimizer is SGD). */
function trainSettings(opts: StructuredPruneOptions): StructuredPruneOptions['train'] {
  const sgd = opts.train?.optimizer === undefined || opts.train.optimizer === 'sgd';
  const { batchSize, schedule, weightDecay } = STRUCTURED_TRAIN_DEFAULTS;
  return { ...(sgd ? STRUCTURED_TRAIN_DEFAULTS : { batchSize, schedule, weightDecay }), ...opts.train };
}

/** Options of `structuredPrune`: criterion, target, per-group ratios, rounding, steps and fine-tuning. */
export interface StructuredPruneOptions extends Pick<PolicyOptions, 'ranking' | 'roundTo' | 'alignTo' | 'minChannels' | 'exclude' | 'threshold'> {
  /** A registered criterion's name (see structuredCriteria), or a scorer (default 'l1'). */
  readonly criterion?: string | Importance;
  /** The criterion's options (e.g. sparsityEpochs, coefficient of ssl / slimming), checked against its schema. */
  readonly criterionOptions?: RawOptions;
  /** Fraction removed: of each group's channels (`ratio`), or of the model's MACs / params. */
  readonly target: PruneTarget;
  /**
   * Per-group ratios by group name: with a `ratio` target they are the groups' own ratios (others use the
   * target's); with a MACs / params target they are relative weights scaled to meet it. 'auto': from a
   * sensitivity analysis.
   */
  readonly perLayer?: Readonly<Record<string, number>> | 'auto';
  /** Prune in this many steps, fine-tuning after each (default 1). */
  readonly steps?: number;
  /** Fine-tuning epochs after each step (default 0; needs `dataset`). */
  readonly finetuneEpochs?: number;
  /** Data for fine-tuning, data-driven criteria, sparsity training and sensitivity analysis. */
  readonly dataset?: Dataset;
  /** Samples used by data-driven criteria (default 256) and by sensitivity evaluation (default 1000). */
  readonly calibrationSamples?: number | undefined;
  readonly sensitivitySamples?: number;
  /**
   * Options passed to every `train()` call (lr, batch size, optimizer, threads, inProcess...), over
   * STRUCTURED_TRAIN_DEFAULTS (SGD lr 0.01 constant, momentum 0.9, weight decay 0, batch 64: the recipe the
   * results in bench/results/prune.md were measured with, kept explicit so train()'s own defaults can change).
   */
  readonly train?: Partial<Omit<TrainOptions, 'model' | 'dataset' | 'epochs' | 'hooks'>>;
  /** Progress messages. */
  readonly onProgress?: (message: string) => void;
}

/** Parameters and MACs of a model. */
export interface CostSummary {
  readonly params: number;
  readonly macs: number;
}

/**
 * What structured pruning did to one channel group: size, channels kept, and whether it was pruned, left, blocked or
 * unscored.
 */
export interface GroupReport {
  readonly id: number;
  readonly name: string;
  readonly size: number;
  readonly kept: number;
  readonly status: 'pruned' | 'unchanged' | 'blocked' | 'unscored';
  readonly blocked: readonly BlockReason[];
}

/** The result of `structuredPrune`: the pruned model, cost before and after, and a report per channel group. */
export interface StructuredPruneResult {
  readonly model: Model;
  readonly before: CostSummary;
  readonly after: CostSummary;
  readonly criterion: string;
  readonly groups: readonly GroupReport[];
  /** Test error after each step's fine-tuning (when it ran). */
  readonly stepErrors: readonly number[];
  readonly sensitivity?: SensitivityResult;
}

function cost(model: Model): CostSummary {
  const s = modelStats(model);
  return { params: s.params, macs: s.macs };
}

/**
 * Structured (channel) pruning: scores channels with a criterion, plans removal per group to meet the target and
 * physically removes the channels, optionally in steps with fine-tuning.
 */
export async function structuredPrune(model: Model, opts: StructuredPruneOptions): Promise<StructuredPruneResult> {
  const steps = opts.steps ?? 1;
  if (!Number.isInteger(steps) || steps < 1) throw new SlimnetError('INVALID_ARGUMENT', `steps must be a positive integer, got ${steps}`);
  const criterion = typeof opts.criterion === 'object' ? undefined : structuredCriterion(opts.criterion ?? 'l1');
  const options = criterion === undefined ? {} : resolveMethodOptions(criterion, opts.criterionOptions ?? {});
  const importance = criterion === undefined ? opts.criterion as Importance : criterion.importance(options);
  const log = opts.onProgress ?? (() => undefined);
  const data = opts.dataset;
  const before = cost(model);
  const firstDep = buildDependencyGraph(model);
  const sizes = new Map(firstDep.groups.map((g) => [g.id, g.size]));
  let current = model.clone();
  if (criterion?.prepare !== undefined) {
    current = await criterion.prepare(current, {
      options, train: trainSettings(opts) ?? {}, log, ...(data === undefined ? {} : { dataset: data }),
    });
  }
  const stepErrors: number[] = [];
  let lastScored = new Set<number>();
  let sens: SensitivityResult | undefined;
  for (let step = 1; step <= steps; step++) {
    const dep = buildDependencyGraph(current);
    const scores = await importance.score({
      dep, ...(data === undefined ? {} : { data: data.train }), samples: opts.calibrationSamples ?? 256,
    });
    lastScored = new Set(scores.keys());
    const chooser = await stepPlanner(current, dep, scores, importance, opts, step, steps, before, sizes);
    sens = chooser.sensitivity ?? sens;
    const plan = chooser.plan;
    importance.beforePrune?.(dep, plan);
    current = pruneChannels(current, plan);
    const c = cost(current);
    log(`step ${step}/${steps}: removed ${[...plan.values()].reduce((a, p) => a + p.length, 0)} channels; MACs ${c.macs} (${((1 - c.macs / before.macs) * 100).toFixed(1)}% removed)`);
    if ((opts.finetuneEpochs ?? 0) > 0) {
      if (data === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'fine-tuning needs a dataset');
      const epochs = opts.finetuneEpochs ?? 0;
      const r = await train({ ...trainSettings(opts), model: current, dataset: data, epochs });
      current = r.model;
      stepErrors.push(r.testError);
      log(`step ${step}/${steps}: fine-tuned, test error ${(r.testError * 100).toFixed(2)}%`);
    }
  }
  const finalDep = buildDependencyGraph(current);
  const groups: GroupReport[] = firstDep.groups.map((g) => {
    const kept = finalDep.groups[g.id]?.size ?? g.size;
    const status = g.blocked.length > 0 ? 'blocked' : kept < g.size ? 'pruned' : lastScored.has(g.id) ? 'unchanged' : 'unscored';
    return { id: g.id, name: g.name, size: g.size, kept, status, blocked: g.blocked };
  });
  return {
    model: current, before, after: cost(current), criterion: importance.name, groups, stepErrors,
    ...(sens === undefined ? {} : { sensitivity: sens }),
  };
}

/** The plan of one step: the step's share of the target, met by a ratio search or from sensitivity curves. */
async function stepPlanner(
  model: Model,
  dep: DependencyGraph,
  scores: ReadonlyMap<number, Float64Array>,
  importance: Importance,
  opts: StructuredPruneOptions,
  step: number,
  steps: number,
  original: CostSummary,
  originalSizes: ReadonlyMap<number, number>,
): Promise<{ plan: RemovalPlan; sensitivity?: SensitivityResult }> {
  const policy = (ratio: number | Readonly<Record<string, number>>): RemovalPlan => planRemoval(dep, scores, importance.comparable, {
    ratio, ranking: opts.ranking, roundTo: opts.roundTo, alignTo: opts.alignTo, minChannels: opts.minChannels,
    threshold: opts.threshold, ...(opts.exclude === undefined ? {} : { exclude: opts.exclude }),
  });
  const perLayer = opts.perLayer;
  const scaled = (alpha: number): number | Readonly<Record<string, number>> =>
    typeof perLayer === 'object' ? Object.fromEntries(Object.entries(perLayer).map(([k, r]) => [k, Math.min(0.95, r * alpha)])) : Math.min(0.95, alpha);
  if ('ratio' in opts.target) {
    const r = opts.target.ratio;
    if (opts.ranking === 'global') return { plan: policy(1 - (1 - r) ** (1 / steps)) };
    // Per group, keep ⌈original × (1 − ratio)^(step/steps)⌉ channels: the last step lands on the target.
    const ratios: Record<string, number> = {};
    for (const g of dep.groups) {
      const orig = originalSizes.get(g.id) ?? g.size;
      const rg = typeof perLayer === 'object' ? (perLayer[g.name] ?? r) : r;
      const keep = orig * (1 - rg) ** (step / steps);
      ratios[g.name] = Math.min(0.95, Math.max(0, (g.size - keep + 1e-9) / g.size));
    }
    return { plan: policy(ratios) };
  }
  const key = 'macsRatio' in opts.target ? 'macs' : 'params';
  const goal = 'macsRatio' in opts.target ? opts.target.macsRatio : opts.target.paramsRatio;
  const limit = original[key] * (1 - (goal * step) / steps);
  const measure = (plan: RemovalPlan): number => cost(pruneChannels(model, plan))[key];
  if (cost(model)[key] <= limit) return { plan: new Map() };
  if (perLayer === 'auto') {
    if (opts.dataset === undefined) throw new SlimnetError('INVALID_ARGUMENT', "perLayer 'auto' runs a sensitivity analysis and needs a dataset");
    const sens = await sensitivity(model, { importance, data: opts.dataset.test, limit: opts.sensitivitySamples ?? 1000 });
    const relative = 1 - limit / cost(model)[key];
    const ratios = autoRatios(sens, key === 'macs' ? { macsRatio: relative } : { paramsRatio: relative }, (rs) => {
      const c = cost(pruneChannels(model, policy(rs)));
      return c;
    });
    return { plan: policy(ratios), sensitivity: sens };
  }
  // Bisection on the (uniform or scaling) ratio: smallest ratio whose pruned model meets the limit.
  const maxAlpha = typeof perLayer === 'object' ? 0.95 / Math.max(...Object.values(perLayer), 1e-9) : 0.95;
  let lo = 0;
  let hi = maxAlpha;
  if (measure(policy(scaled(hi))) > limit) {
    throw new SlimnetError('INVALID_ARGUMENT', `cannot remove ${(goal * 100).toFixed(1)}% of ${key} (step ${step}/${steps}): even the largest ratio keeps too much`);
  }
  for (let i = 0; i < 16; i++) {
    const mid = (lo + hi) / 2;
    if (measure(policy(scaled(mid))) <= limit) hi = mid;
    else lo = mid;
  }
  return { plan: policy(scaled(hi)) };
}
