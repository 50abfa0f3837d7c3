/**
 * finetuneCodebooks: trains the shared centroids with the ordinary training loop on the codebook graph
 * (see codebook-graph.ts); cluster assignments stay fixed, pruned weights stay exact zeros. Everything
 * else is frozen unless `trainOthers`. The result is a dense float model with <= 2^bits distinct nonzero
 * values per shared layer.
 */
import type { LoadDatasetOptions } from '../../../data/load.js';
import type { Dataset } from '../../../data/types.js';
import type { Model } from '../../../ir/graph.js';
import { defaultTrainableParams } from '../../../train/params.js';
import type { Schedule } from '../../../train/schedule.js';
import { train } from '../../../train/trainer.js';
import type { EpochStats, TrainProgress } from '../../../train/types.js';
import { codebookModel, codebookName, readCodebooks, stepName } from './codebook-graph.js';
import { applyShared, type SharedLayer } from './share.js';

/**
 * Options of `finetuneCodebooks`: data, epochs, learning rate, batch size, momentum and schedule of the centroid
 * training.
 */
export interface FinetuneCodebooksOptions {
  readonly dataset: string | Dataset;
  readonly datasetOptions?: LoadDatasetOptions;
  /** Epochs (default 1). */
  readonly epochs?: number;
  /** Learning rate (default 0.01 with normalised steps, 0.001 with the raw sum; 0.2 overshot on pruned LeNet-5, bench/results/quant.md). */
  readonly lr?: number;
  readonly batchSize?: number;
  /** SGD momentum (default 0.9; no Nesterov, no weight decay on the centroids). */
  readonly momentum?: number;
  /** Learning-rate schedule (default constant, the measured recipe of bench/results/quant.md). */
  readonly schedule?: Schedule;
  /** Also train biases, BatchNorm and unshared weights (default false: codebooks only). */
  readonly trainOthers?: boolean;
  /**
   * Per-centroid step normalisation (default true): each centroid moves by lr × the mean of its weights'
   * gradients instead of their sum (see CodebookGraphOptions.normalizeSteps); false is the paper's raw sum.
   */
  readonly normalizeSteps?: boolean;
  readonly seed?: number;
  readonly threads?: number;
  /** Validate after each epoch (default true). */
  readonly validate?: boolean;
  readonly inProcess?: boolean;
  readonly onProgress?: (p: TrainProgress) => void;
  readonly signal?: AbortSignal;
}

/**
 * The result of `finetuneCodebooks`: the dense model with the trained centroids, the shared layers, history and test
 * error.
 */
export interface FinetuneCodebooksResult {
  /** Dense float model with the fine-tuned centroids. */
  readonly model: Model;
  readonly layers: readonly SharedLayer[];
  readonly history: readonly EpochStats[];
  readonly testError: number;
}

/**
 * Fine-tunes the centroids of k-means-shared layers (Deep Compression): gradients of the weights sharing a centroid are
 * summed into it, indices stay fixed.
 */
export async function finetuneCodebooks(model: Model, shared: readonly SharedLayer[], opts: FinetuneCodebooksOptions): Promise<FinetuneCodebooksResult> {
  const cbModel = codebookModel(model, shared, { normalizeSteps: opts.normalizeSteps ?? true });
  const codebooks = new Set(shared.map((l) => codebookName(l.name)));
  const steps = new Set(shared.map((l) => stepName(l.name)));
  const frozen = defaultTrainableParams(cbModel.graph).map((v) => v.name)
    .filter((n) => !codebooks.has(n) && (opts.trainOthers !== true || steps.has(n)));
  const r = await train({
    model: cbModel,
    dataset: opts.dataset,
    ...(opts.datasetOptions === undefined ? {} : { datasetOptions: opts.datasetOptions }),
    epochs: opts.epochs ?? 1,
    lr: opts.lr ?? ((opts.normalizeSteps ?? true) ? 0.01 : 0.001),
    optimizer: 'sgd', momentum: opts.momentum ?? 0.9, nesterov: false, weightDecay: 0,
    schedule: opts.schedule ?? { kind: 'constant' },
    batchSize: opts.batchSize ?? 64, seed: opts.seed ?? 0,
    ...(opts.threads === undefined ? {} : { threads: opts.threads }),
    ...(opts.validate === undefined ? {} : { validate: opts.validate }),
    ...(opts.inProcess === undefined ? {} : { inProcess: opts.inProcess }),
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    hooks: { frozen },
  });
  const layers = readCodebooks(r.model, shared);
  const out = model.clone();
  for (const [name, v] of out.graph.initializers) {
    const trained = r.model.graph.initializers.get(name)?.initializer;
    if (trained !== undefined) v.initializer = trained;
  }
  applyShared(out, layers);
  return { model: out, layers, history: r.history, testError: r.testError };
}
