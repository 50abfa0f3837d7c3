/** Result and option types shared by the unstructured pruning methods. */
import type { LoadDatasetOptions } from '../../../data/load.js';
import type { Dataset } from '../../../data/types.js';
import type { Model } from '../../../ir/graph.js';
import type { Schedule } from '../../../train/schedule.js';
import type { TrainProgress } from '../../../train/types.js';
import type { Masks, SparsityStats } from '../common/sparsity.js';

/** What a pruning method returns: the pruned copy, its 0/1 masks and its sparsity. */
export interface PruneResult {
  /** The pruned model (a copy; the input model is never modified). Pruned entries are exactly +0. */
  readonly model: Model;
  /** 0/1 masks by parameter name, for retraining with `train({ hooks: { masks } })`. */
  readonly masks: Masks;
  /** Per-layer and total sparsity of the result. */
  readonly stats: SparsityStats;
}

/** How a method retrains (fine-tunes) through `train()`; masks are added by the method. */
export interface RetrainOptions {
  /** The data: a name / path for loadDataset, or a loaded Dataset. */
  readonly dataset: string | Dataset;
  /** loadDataset options (limit, testLimit...) when `dataset` is a name or path. */
  readonly datasetOptions?: LoadDatasetOptions;
  /**
   * Learning rate of every retraining run (default 0.01 for SGD, 0.001 for Adam; pruneAndRetrain's default is
   * PRUNE_FINETUNE_DEFAULTS.lr).
   */
  readonly lr?: number;
  /** Mini-batch size (default 64). */
  readonly batchSize?: number;
  /** Update rule (default 'sgd'). */
  readonly optimizer?: 'sgd' | 'adam' | 'adamw';
  /** SGD momentum (default 0.9). */
  readonly momentum?: number;
  /** Weight decay (default 0). SGD without Nesterov momentum. */
  readonly weightDecay?: number;
  /**
   * Learning-rate schedule of every retraining run (each iterative cycle and the final fine-tuning start it
   * afresh; an AGP run follows it across all its segments). Default constant (pruneAndRetrain: cosine).
   */
  readonly schedule?: Schedule;
  /** Seed of the batch order (default 0; each retraining run offsets it so runs see different orders). */
  readonly seed?: number;
  /** onnxruntime intra-op threads (default 2). */
  readonly threads?: number;
  /** Train in the calling thread (tests) instead of a worker. */
  readonly inProcess?: boolean;
  /** Validate on the test split after each epoch (default false inside pruning schedules). */
  readonly validate?: boolean;
  /** Training progress reports. */
  readonly onProgress?: (p: TrainProgress) => void;
  /** Messages about recovered problems (a diverged run restarted at a lower learning rate). */
  readonly onWarning?: (message: string) => void;
  /** Aborting stops at the next step boundary. */
  readonly signal?: AbortSignal;
}

/** Per-layer (initializer or layer-node name) or uniform sparsity in [0, 1). */
export type SparsityTarget = number | Readonly<Record<string, number>>;
