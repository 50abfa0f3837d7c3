/** The contract of an importance criterion: a group → one score per channel (higher = keep). */
import type { Split } from '../../../../data/types.js';
import { SlimnetError } from '../../../../ir/errors.js';
import type { DependencyGraph, RemovalPlan } from '../types.js';

/**
 * What an importance criterion sees: the dependency graph and, for data-driven criteria, samples and their batching.
 */
export interface ScoreContext {
  readonly dep: DependencyGraph;
  /** Samples for data-driven criteria (APoZ, Taylor, ThiNet); labels are used by Taylor. */
  readonly data?: Split;
  /** How many samples of `data` to use (default 256). */
  readonly samples?: number;
  /** Samples per onnxruntime run (default 64). */
  readonly batchSize?: number;
  /** Seed of any sampling the criterion does (default 0). */
  readonly seed?: number;
}

/** A channel importance criterion: scores every channel of the groups it can score (higher = more important). */
export interface Importance {
  readonly name: string;
  /**
   * Whether raw scores of different groups can be ranked against each other; when false, global ranking
   * first divides each group's scores by their mean.
   */
  readonly comparable: boolean;
  /** One score per channel for each group it can score, by group id; unscored groups are left out. */
  score(ctx: ScoreContext): Promise<ReadonlyMap<number, Float64Array>>;
  /** Called with the final plan on the model about to be pruned (ThiNet rescales the consumers here). */
  beforePrune?(dep: DependencyGraph, plan: RemovalPlan): void;
}

/** The samples a data-driven criterion uses, or a clear error when none were given. */
export function requireData(ctx: ScoreContext, criterion: string): Split {
  if (ctx.data === undefined) throw new SlimnetError('INVALID_ARGUMENT', `importance '${criterion}' needs data (ScoreContext.data)`);
  return ctx.data;
}
