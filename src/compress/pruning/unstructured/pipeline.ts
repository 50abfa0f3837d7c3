/**
 * pruneAndRetrain: evaluate → prune with a registered method → masked fine-tuning → evaluate. Used by the
 * CLI and the bench. Test errors are measured with `evaluate` on the test split.
 */
import { loadDataset } from '../../../data/load.js';
import type { Dataset } from '../../../data/types.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { evaluate } from '../../../runtime/evaluate.js';
import { sparsityStats, type Masks, type SparsityStats } from '../common/sparsity.js';
import { unstructuredMethod, type MethodOptions } from './methods.js';
import { finetune } from './retrain.js';
import { autoSparsities, layerSensitivity, type LayerSensitivityResult } from './sensitivity.js';
import type { RetrainOptions, SparsityTarget } from './types.js';

export interface PruneAndRetrainOptions extends RetrainOptions {
  /** A registered method name (see unstructuredMethods). */
  readonly method: string;
  /** Target sparsity of the prunable weights (data-free: fraction of hidden FC units). */
  readonly sparsity: SparsityTarget;
  /** Masked fine-tuning epochs after pruning (default 1; 0 = none). */
  readonly finetuneEpochs?: number;
  /** Method-specific options. */
  readonly methodOptions?: MethodOptions;
  /** Evaluate only the first `evalLimit` test samples (default: all). */
  readonly evalLimit?: number;
  /** Skip evaluating the input model (beforeError is then NaN). */
  readonly skipBaseline?: boolean;
  /**
   * 'auto': per-layer sparsities from a magnitude sensitivity analysis (sensitivity.ts) on the first
   * `sensitivitySamples` test samples, meeting the uniform `sparsity` as a global target of nonzero weights.
   */
  readonly perLayer?: 'auto';
  /** Samples evaluated per sensitivity point (default 1000). */
  readonly sensitivitySamples?: number;
}

export interface PruneAndRetrainResult {
  readonly model: Model;
  readonly masks: Masks;
  readonly stats: SparsityStats;
  /** Test top-1 error of the input model, right after pruning (before fine-tuning), and at the end. */
  readonly beforeError: number;
  readonly prunedError: number;
  readonly afterError: number;
  readonly seconds: number;
  /** The sensitivity curves behind perLayer 'auto', and the sparsities chosen from them. */
  readonly sensitivity?: LayerSensitivityResult;
  readonly sparsities?: Readonly<Record<string, number>>;
}

export async function pruneAndRetrain(model: Model, o: PruneAndRetrainOptions): Promise<PruneAndRetrainResult> {
  const t0 = Date.now();
  const method = unstructuredMethod(o.method);
  const data: Dataset = typeof o.dataset === 'string' ? loadDataset(o.dataset, o.datasetOptions ?? {}) : o.dataset;
  const epochs = o.finetuneEpochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new SlimnetError('INVALID_ARGUMENT', `finetuneEpochs must be a non-negative integer, got ${epochs}`);
  const evalOpts = { ...(o.threads === undefined ? {} : { threads: o.threads }), ...(o.evalLimit === undefined ? {} : { limit: o.evalLimit }) };
  const err = async (m: Model): Promise<number> => (await evaluate(m, data.test, evalOpts)).top1Error;
  const beforeError = o.skipBaseline === true ? NaN : await err(model);
  const retrain: RetrainOptions = { ...o, dataset: data };
  let sparsity = o.sparsity;
  let sensitivity: LayerSensitivityResult | undefined;
  if (o.perLayer === 'auto') {
    if (typeof o.sparsity !== 'number') throw new SlimnetError('INVALID_ARGUMENT', "perLayer 'auto' takes one global sparsity target, not a per-layer map");
    sensitivity = await layerSensitivity(model, { data: data.test, limit: o.sensitivitySamples ?? 1000, ...(o.threads === undefined ? {} : { threads: o.threads }) });
    sparsity = autoSparsities(sensitivity, o.sparsity);
  }
  const pruned = await method.run(model, { sparsity, data, retrain, options: o.methodOptions ?? {} });
  const prunedError = await err(pruned.model);
  const tuned = await finetune(pruned.model, pruned.masks, epochs, retrain, { seedOffset: 1000 });
  const afterError = epochs === 0 ? prunedError : await err(tuned);
  return {
    model: tuned, masks: pruned.masks, stats: sparsityStats(tuned), beforeError, prunedError, afterError, seconds: (Date.now() - t0) / 1000,
    ...(sensitivity === undefined ? {} : { sensitivity, sparsities: sparsity as Readonly<Record<string, number>> }),
  };
}
