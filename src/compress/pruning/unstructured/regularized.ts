/**
 * Regularized training before pruning: train with an L1 (Σ|w|) or L2 (½Σw²) penalty on the prunable
 * weights through `train()` hooks.terms, which drives unimportant weights towards zero, then magnitude-prune.
 * Han et al. found L2 + retraining best, L1 better without retraining.
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { l1Term, l2Term, type ParamRef } from '../../../train/regularizers.js';
import { prunableWeights } from '../common/prunable.js';
import { magnitudePrune, type MagnitudeOptions } from './magnitude.js';
import { finetune } from './retrain.js';
import type { PruneResult, RetrainOptions } from './types.js';

/**
 * Options of `regularizedPrune`: L1 or L2 penalty and coefficient, epochs of penalised training, then the magnitude
 * step and retraining.
 */
export interface RegularizedOptions extends MagnitudeOptions {
  /** 'l1' or 'l2' penalty. */
  readonly penalty: 'l1' | 'l2';
  /** Penalty coefficient (added to the loss as coefficient × term). */
  readonly coefficient: number;
  /** Epochs of regularized training before pruning (default 1). */
  readonly epochs?: number;
  readonly retrain: RetrainOptions;
}

/** Trains with the penalty on the prunable weights, then magnitude-prunes the result. */
export async function regularizedPrune(model: Model, o: RegularizedOptions): Promise<PruneResult> {
  if (!(o.coefficient >= 0)) throw new SlimnetError('INVALID_ARGUMENT', `regularization coefficient must be >= 0, got ${o.coefficient}`);
  const names = new Set(prunableWeights(model, o).filter((w) => w.role === 'weight').map((w) => w.name));
  const filter = (p: ParamRef): boolean => names.has(p.name);
  const term = o.penalty === 'l1' ? l1Term(o.coefficient, filter) : l2Term(o.coefficient, filter);
  const trained = await finetune(model, {}, o.epochs ?? 1, o.retrain, { hooks: { terms: [term] }, seedOffset: 100 });
  return magnitudePrune(trained, o);
}
