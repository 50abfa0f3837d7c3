/**
 * pruneAndRetrain: evaluate → prune with a registered method → masked fine-tuning → evaluate. Used by the
 * CLI and the bench. Test errors are measured with `evaluate` on the test split.
 */
import { loadDataset } from '../../../data/load.js';
import type { Dataset, Split } from '../../../data/types.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { evaluate } from '../../../runtime/evaluate.js';
import { sparsityStats, type Masks, type SparsityStats } from '../common/sparsity.js';
import type { RawOptions } from '../../options.js';
import { effectiveMethodOptions, unstructuredMethod } from './methods.js';
import { finetune } from './retrain.js';
import { autoSparsities, layerSensitivity, type LayerSensitivityResult } from './sensitivity.js';
import type { Schedule } from '../../../train/schedule.js';
import type { PruneResult, RetrainOptions, SparsityTarget } from './types.js';

/**
 * The fine-tuning defaults of pruneAndRetrain (and `slimnet prune`): SGD with momentum 0.9, batch 64, lr 0.05 with
 * a 0.3-epoch linear warm-up and a cosine decay. Chosen on a validation split held out from MNIST's training
 * images (the last 10,000) with LeNet-5 pruned to 92 % by one global threshold and fine-tuned 3 epochs
 * (bench/prune-select.ts, bench/results/prune.md): +0.00 pp there vs +0.20 pp at lr 0.01; lr 0.07 still
 * converged, 0.1 diverged (a diverged run is restarted at half the rate, see finetune).
 */
export const PRUNE_FINETUNE_DEFAULTS = {
  epochs: 1, lr: 0.05, schedule: { kind: 'cosine', warmupEpochs: 0.3 } as Schedule, momentum: 0.9, batchSize: 64,
  weightDecay: 0, seed: 0,
} as const;

/**
 * Options of `pruneAndRetrain`: registered method and its options, target sparsity, fine-tuning epochs, evaluation
 * limit and the retraining settings.
 */
export interface PruneAndRetrainOptions extends RetrainOptions {
  /** A registered method name (see unstructuredMethods). */
  readonly method: string;
  /** Target sparsity of the prunable weights (data-free: fraction of hidden FC units). */
  readonly sparsity: SparsityTarget;
  /** Masked fine-tuning epochs after pruning (default PRUNE_FINETUNE_DEFAULTS.epochs; 0 = none). */
  readonly finetuneEpochs?: number;
  /** Method-specific options. */
  readonly methodOptions?: RawOptions;
  /** Evaluate only the first `evalLimit` test samples (default: all). */
  readonly evalLimit?: number;
  /** Skip evaluating the input model (beforeError is then NaN). */
  readonly skipBaseline?: boolean;
  /**
   * 'auto': per-layer sparsities from a magnitude sensitivity analysis (sensitivity.ts) on the last
   * `sensitivitySamples` training samples (never the test split), meeting the uniform `sparsity` as a global
   * target of nonzero weights.
   */
  readonly perLayer?: 'auto';
  /** Samples evaluated per sensitivity point (default 1000). */
  readonly sensitivitySamples?: number;
}

/**
 * The result of `pruneAndRetrain`: the pruned model and masks, sparsity, top-1 error before pruning, after pruning and
 * after fine-tuning, seconds.
 */
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

/** The last `n` samples of a split (a view). */
function lastSamples(s: Split, n: number): Split {
  const size = s.sampleShape.reduce((a, b) => a * b, 1);
  const start = s.count - n;
  return { ...s, images: s.images.subarray(start * size), labels: s.labels.slice(start), count: n };
}

/**
 * Prunes a model with a registered unstructured method, then fine-tunes it under the masks and measures test error
 * before, right after and after fine-tuning.
 */
export async function pruneAndRetrain(model: Model, o: PruneAndRetrainOptions): Promise<PruneAndRetrainResult> {
  const t0 = Date.now();
  const method = unstructuredMethod(o.method);
  effectiveMethodOptions(o.method, o.methodOptions ?? {}, o.sparsity); // bad options fail before any work
  const data: Dataset = typeof o.dataset === 'string' ? loadDataset(o.dataset, o.datasetOptions ?? {}) : o.dataset;
  const d = PRUNE_FINETUNE_DEFAULTS;
  const epochs = o.finetuneEpochs ?? d.epochs;
  if (!Number.isInteger(epochs) || epochs < 0) throw new SlimnetError('INVALID_ARGUMENT', `finetuneEpochs must be a non-negative integer, got ${epochs}`);
  const evalOpts = { ...(o.threads === undefined ? {} : { threads: o.threads }), ...(o.evalLimit === undefined ? {} : { limit: o.evalLimit }) };
  const err = async (m: Model): Promise<number> => (await evaluate(m, data.test, evalOpts)).top1Error;
  const beforeError = o.skipBaseline === true ? NaN : await err(model);
  const retrain: RetrainOptions = {
    ...o, dataset: data, lr: o.lr ?? (o.optimizer === undefined || o.optimizer === 'sgd' ? d.lr : 0.001),
    schedule: o.schedule ?? d.schedule, momentum: o.momentum ?? d.momentum, batchSize: o.batchSize ?? d.batchSize,
    weightDecay: o.weightDecay ?? d.weightDecay, seed: o.seed ?? d.seed,
  };
  let sparsity = o.sparsity;
  let sensitivity: LayerSensitivityResult | undefined;
  if (o.perLayer === 'auto') {
    if (typeof o.sparsity !== 'number') throw new SlimnetError('INVALID_ARGUMENT', "perLayer 'auto' takes one global sparsity target, not a per-layer map");
    const n = Math.min(o.sensitivitySamples ?? 1000, data.train.count);
    sensitivity = await layerSensitivity(model, {
      data: lastSamples(data.train, n), ...(o.threads === undefined ? {} : { threads: o.threads }),
    });
    sparsity = autoSparsities(sensitivity, o.sparsity);
  }
  const options = effectiveMethodOptions(o.method, o.methodOptions ?? {}, sparsity);
  const pruned = await method.run(model, { sparsity, data, retrain, options });
  const prunedError = await err(pruned.model);
  const tuned = await finetune(pruned.model, pruned.masks, epochs, retrain, { seedOffset: 1000 });
  const afterError = epochs === 0 ? prunedError : await err(tuned);
  return {
    model: tuned, masks: pruned.masks, stats: sparsityStats(tuned), beforeError, prunedError, afterError, seconds: (Date.now() - t0) / 1000,
    ...(sensitivity === undefined ? {} : { sensitivity, sparsities: sparsity as Readonly<Record<string, number>> }),
  };
}

/** Options of pruneWeightsOnly. */
export interface WeightOnlyPruneOptions {
  /** A registered method that reads only the weights ('magnitude', 'data-free'). */
  readonly method: string;
  readonly sparsity: SparsityTarget;
  readonly methodOptions?: RawOptions;
}

/** Prunes with a weight-only method: no data, no fine-tuning (for models given with unlabelled feeds, or none). */
export async function pruneWeightsOnly(model: Model, o: WeightOnlyPruneOptions): Promise<PruneResult & { stats: SparsityStats }> {
  const method = unstructuredMethod(o.method);
  if (method.weightOnly !== true) {
    throw new SlimnetError('INVALID_ARGUMENT', `pruning method '${o.method}' needs a labelled data set; without one `
      + `use a weight-only method (magnitude, data-free)`);
  }
  const options = effectiveMethodOptions(o.method, o.methodOptions ?? {}, o.sparsity);
  const r = await method.run(model, { sparsity: o.sparsity, options });
  return { ...r, stats: sparsityStats(r.model) };
}
