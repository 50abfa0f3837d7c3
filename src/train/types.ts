/** Public option / result types of the training loop, and the plain-data request sent to the worker. */
import type { LoadDatasetOptions } from '../data/load.js';
import type { Dataset } from '../data/types.js';
import type { Model } from '../ir/graph.js';
import type { ZooOptions } from '../zoo/options.js';
import type { ActivationSelector, TransformSelector } from './transforms.js';
import type { GradientRule } from '../autodiff/rule.js';
import type { LossTerm, ParamRef } from './regularizers.js';
import type { TrainSettings } from './defaults.js';
import type { Schedule } from './schedule.js';
import type { LossBuilder, TrainingGraphInfo } from './training-graph.js';

/** Compression hooks: what the training graph does beyond plain supervised training. */
export interface TrainHooks {
  /**
   * 0/1 masks by parameter name (same element count as the parameter). The weights are multiplied by the
   * mask before training starts, and gradients and updated weights are masked every step, so pruned
   * entries stay exactly zero.
   */
  readonly masks?: Readonly<Record<string, Float32Array>>;
  /** Parameters kept fixed: they stay initializers and get no gradient or update. */
  readonly frozen?: readonly string[];
  /** Regularizers added to the loss (l1Term, l2Term, groupLassoTerm, bnScaleL1Term, or your own). */
  readonly terms?: readonly LossTerm[];
  /** Weight transforms used in the forward pass (quantizers...), chosen per parameter. Kept in the saved model. */
  readonly transforms?: TransformSelector;
  /**
   * Activation transforms (activation quantizers, binarizers) inserted on chosen edges into node inputs,
   * in the training graph and the saved model alike.
   */
  readonly activations?: ActivationSelector;
  /** Replaces the default softmax cross-entropy (must not add extra inputs: the loop feeds only image and labels). */
  readonly loss?: LossBuilder;
  /** Gradient rules added to / overriding the built-in table, e.g. a straight-through rule for Round. */
  readonly rules?: ReadonlyMap<string, GradientRule>;
  /** Overrides the default choice of trainable parameters (e.g. to train learned quantization scales). */
  readonly trainable?: (p: ParamRef) => boolean;
}

/**
 * Options of `train`: model (or zoo name), data set, epochs, batch size, optimizer and schedule, hooks, checkpoints,
 * output path.
 */
export interface TrainOptions {
  /** The model to train: an inference Model, or a zoo model name ('lenet5', 'vgg'...). */
  readonly model: Model | string;
  /** Zoo options (seed, classes, input shape, width) when `model` is a zoo name. */
  readonly zoo?: ZooOptions;
  /**
   * The data: a name / path for loadDataset ('mnist', 'fashion-mnist', a directory), loaded inside the
   * worker; or an already loaded Dataset (copied to the worker).
   */
  readonly dataset: string | Dataset;
  /**
   * loadDataset options (limit, testLimit, validation...) when `dataset` is a name or path. With `validation`
   * the run validates on training samples held out from the end of the training split, never on the test split.
   */
  readonly datasetOptions?: LoadDatasetOptions;
  /** Number of passes over the training split. */
  readonly epochs: number;
  /** Mini-batch size (default TRAIN_DEFAULTS.batchSize, 64). */
  readonly batchSize?: number;
  /** Base learning rate (default TRAIN_DEFAULTS.lr: 0.02 for SGD, 0.001 for Adam / AdamW). */
  readonly lr?: number;
  /** Update rule (default 'sgd'). */
  readonly optimizer?: 'sgd' | 'adam' | 'adamw';
  /** SGD momentum (default 0.9). */
  readonly momentum?: number;
  /** SGD: Nesterov momentum (default TRAIN_DEFAULTS.nesterov, false). */
  readonly nesterov?: boolean;
  /** Weight decay: L2 for SGD / Adam, decoupled for AdamW (default TRAIN_DEFAULTS.weightDecay: 0, AdamW 0.01). */
  readonly weightDecay?: number;
  /** Adam / AdamW β1, β2, ε (defaults 0.9, 0.999, 1e-8). */
  readonly adam?: { readonly beta1?: number; readonly beta2?: number; readonly eps?: number };
  /** Learning-rate schedule over the run (default TRAIN_DEFAULTS.schedule: cosine to 0 after a 0.3-epoch warm-up). */
  readonly schedule?: Schedule;
  /** Seed of the batch order (default 0); the same seed and threads give the same run. */
  readonly seed?: number;
  /** onnxruntime intra-op threads (default 2). */
  readonly threads?: number;
  /**
   * Let idle intra-op worker threads spin between operators instead of sleeping (default false). With 2+
   * threads on an otherwise idle machine this removes a thread wake-up per operator (training graphs have
   * thousands of small ones; OpenMP-based frameworks spin by default); on a shared machine it wastes a core.
   */
  readonly spinning?: boolean;
  /**
   * Run convolutions in onnxruntime's blocked NCHWc layout with the weight reorder inside the graph
   * (default true where the CPU supports it; see passes/nchwc-conv.ts). Several times faster than the plain
   * Conv kernel, which is what onnxruntime picks for weights that change every step.
   */
  readonly blockedConvs?: boolean;
  /**
   * NCHWc block size to lower with instead of the one read from onnxruntime (tests; a size this CPU's kernels
   * do not use is caught by the first-batch check and training falls back to plain convolutions).
   */
  readonly nchwcBlockSize?: number;
  /** Masks, frozen parameters, regularizers, weight transforms, custom loss. */
  readonly hooks?: TrainHooks;
  /** MaxPool backward: 'index' (default, PyTorch semantics, faster) or 'tie-split'. */
  readonly maxPoolGrad?: 'index' | 'tie-split';
  /** Validate on the test split after every epoch (default true). */
  readonly validate?: boolean;
  /**
   * Checkpoint file (an ONNX inference model of the current weights); the resumable training state is
   * written next to it as '<checkpoint>.state' (checksummed, naming the ONNX file's digest). Both are replaced
   * atomically after every epoch, the state first, so a crash at any point leaves a pair a resume accepts.
   */
  readonly checkpoint?: string;
  /**
   * Continue from `checkpoint`'s state (default false: start afresh). The state must exist, be intact and have
   * been written with the same threads, seed, batch size, learning rate, optimizer, schedule, model and data
   * (only `epochs` may change), else a typed error (CHECKPOINT_INVALID / INVALID_ARGUMENT): never a silent
   * fresh start.
   */
  readonly resume?: boolean;
  /** Write the final inference model here (atomically). */
  readonly output?: string;
  /** Progress reports (a few per second, and one per finished epoch). */
  readonly onProgress?: (p: TrainProgress) => void;
  /** Aborting stops training at the next step boundary (SlimnetError 'INTERRUPTED'). */
  readonly signal?: AbortSignal;
  /** Run in the calling thread instead of a worker (tests, embedding); progress still reported. */
  readonly inProcess?: boolean;
}

/** How a training run executed its convolutions: onnxruntime's blocked NCHWc kernels or the plain ones. */
export type ConvLayout = 'blocked' | 'plain';

/** A progress report of `train`: step, epoch end or notice, with the running loss and error. */
export interface TrainProgress {
  /** 'notice' reports carry a `message` (e.g. a fallback to plain convolutions) and no step figures. */
  readonly kind: 'step' | 'epoch' | 'notice';
  /** Set on 'notice' reports. */
  readonly message?: string;
  /** 1-based epoch and step within it. */
  readonly epoch: number;
  readonly epochs: number;
  readonly step: number;
  readonly steps: number;
  /** Mean training loss of the epoch so far. */
  readonly loss: number;
  /** Training top-1 accuracy of the epoch so far. */
  readonly accuracy: number;
  readonly lr: number;
  readonly imagesPerSecond: number;
  /** Estimated seconds left in the run. */
  readonly etaSeconds: number;
  /** Set on 'epoch' reports. */
  readonly stats?: EpochStats;
}

/** Statistics of one epoch: training loss and error, test error, learning rate, seconds and throughput. */
export interface EpochStats {
  /** 1-based. */
  readonly epoch: number;
  readonly trainLoss: number;
  readonly trainError: number;
  /** Test-split top-1 error in [0, 1] (NaN when validation is off). */
  readonly testError: number;
  readonly lr: number;
  readonly seconds: number;
  /** Training throughput of the epoch (wall time of batching and steps, without validation). */
  readonly imagesPerSecond: number;
}

/**
 * What `train` returns: the trained inference model, per-epoch history, final test error and the run's settings and
 * warnings.
 */
export interface TrainResult {
  /** The trained inference model (BatchNorm in eval mode with the trained running statistics). */
  readonly model: Model;
  readonly history: readonly EpochStats[];
  /** Test error after the last epoch (NaN when validation is off). */
  readonly testError: number;
  /** Epoch the run resumed after (0 when it started afresh). */
  readonly resumedFromEpoch: number;
  /** The convolution kernels the run used (after the first-batch check). */
  readonly convLayout: ConvLayout;
  /** Warnings of the run (e.g. blocked convolutions disagreed and were replaced by plain ones). */
  readonly warnings: readonly string[];
  /** The settings the run used, defaults filled in (describeTrainSettings prints them). */
  readonly settings: TrainSettings;
}

/** The structured-cloneable request the worker runs (the resolved settings plus graphs, data and state). */
export interface TrainRequest extends TrainSettings {
  readonly trainingGraph: Uint8Array;
  readonly evalGraph: Uint8Array;
  /** Inference model (with weight transforms) whose initializers receive the trained values. */
  readonly inferenceModel: Uint8Array;
  readonly info: TrainingGraphInfo;
  readonly dataset: string | Dataset;
  readonly datasetOptions: LoadDatasetOptions;
  readonly epochs: number;
  readonly spinning: boolean;
  readonly blockedConvs: boolean;
  readonly nchwcBlockSize?: number;
  readonly masks: Readonly<Record<string, Float32Array>>;
  readonly validate: boolean;
  readonly checkpoint?: string;
  readonly resume: boolean;
}

export interface TrainResponse {
  readonly model: Uint8Array;
  readonly history: readonly EpochStats[];
  readonly resumedFromEpoch: number;
  readonly convLayout: ConvLayout;
  readonly warnings: readonly string[];
}
