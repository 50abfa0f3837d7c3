/**
 * deepCompress: the Deep Compression pipeline (Han et al. 2016) end to end —
 *   [train a zoo model first] → prune (any registered unstructured method: magnitude, iterative, AGP...)
 *   → masked retraining → k-means weight sharing (pruned zeros stay out) → codebook fine-tuning
 *   → Huffman-coded container —
 * with the test error after every stage, the per-layer size table, and before / after measurements
 * (error, size, ratio, latency) of the final model against the input.
 */
import { loadDataset, type LoadDatasetOptions } from '../../data/load.js';
import type { Dataset } from '../../data/types.js';
import { SlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import { evaluate } from '../../runtime/evaluate.js';
import type { Schedule } from '../../train/schedule.js';
import { train } from '../../train/trainer.js';
import type { TrainProgress } from '../../train/types.js';
import { buildZooModel } from '../../zoo/index.js';
import { measureCompression, type CompressionMeasurement } from '../measure.js';
import { prunableWeights } from '../pruning/common/prunable.js';
import type { SparsityStats } from '../pruning/common/sparsity.js';
import type { AnyOptionValues, RawOptions } from '../options.js';
import { effectiveMethodOptions } from '../pruning/unstructured/methods.js';
import { pruneAndRetrain } from '../pruning/unstructured/pipeline.js';
import type { SparsityTarget } from '../pruning/unstructured/types.js';
import { finetuneCodebooks } from '../quantization/kmeans/finetune.js';
import type { KmeansInit } from '../quantization/kmeans/kmeans1d.js';
import { kmeansShare, type KindBits } from '../quantization/kmeans/share.js';
import { packWithReport, type PackOptions, type PackReport } from './container.js';

/**
 * The defaults of `deepCompress`, i.e. of `slimnet deep-compress`, chosen on a validation split held out from
 * MNIST's training images with LeNet-5 (bench/results/prune.md, issue 13): iterative pruning in 2 cycles (1
 * retraining epoch each) to 94 % zeros with one global magnitude threshold — which yields a per-layer schedule
 * like Han et al.'s (conv1 keeps ~70 %, conv2 ~16 %, fc1 5 %, fc2 ~32 %) — then 3 masked retraining epochs,
 * every run SGD lr 0.05 with a 0.3-epoch warm-up and a cosine decay; 8-bit conv / 5-bit fc codebooks (Han et
 * al.'s), one epoch of codebook fine-tuning at lr 0.01, 8-bit conv / 4-bit fc relative indices, Huffman coding.
 * Validation: 44.8× at +0.04 pp (LeNet-5, 10 epochs); Han et al.'s own per-layer sparsities gave 35.8×.
 */
export const DEEP_COMPRESS_DEFAULTS = {
  pruneMethod: 'iterative',
  pruneSparsity: 0.94,
  /** Options of the default pruning method (only applied when `pruneMethod` is left at its default). */
  pruneOptions: { cycles: 2, epochsPerCycle: 1 } as RawOptions,
  retrainEpochs: 3,
  retrainLr: 0.05,
  retrainSchedule: { kind: 'cosine', warmupEpochs: 0.3 } as Schedule,
  weightDecay: 0,
  bits: { conv: 8, fc: 5 },
  init: 'linear' as KmeansInit,
  finetuneEpochs: 1,
  finetuneLr: 0.01,
  gapBits: { conv: 8, fc: 4 },
  batchSize: 64,
  seed: 0,
} as const;

/** The settings a `deepCompress` run used, defaults filled in (commands print them). */
export interface DeepCompressSettings {
  readonly trainEpochs: number;
  readonly pruneMethod: string;
  readonly pruneSparsity: SparsityTarget;
  /** Pruning-method options in effect (given ones over the method's defaults, e.g. scope 'global'). */
  readonly pruneOptions: AnyOptionValues;
  readonly retrainEpochs: number;
  readonly retrainLr: number;
  readonly retrainSchedule: Schedule;
  readonly weightDecay: number;
  readonly bits: Required<KindBits> | number;
  readonly init: KmeansInit;
  readonly finetuneEpochs: number;
  readonly finetuneLr: number;
  readonly gapBits: number | { readonly conv?: number; readonly fc?: number };
  readonly batchSize: number;
  readonly seed: number;
}

/** Options of `deepCompress`; every one left out takes its value from DEEP_COMPRESS_DEFAULTS. */
export interface DeepCompressOptions {
  /** Data: a name / path for loadDataset, or a loaded Dataset. */
  readonly dataset: string | Dataset;
  readonly datasetOptions?: LoadDatasetOptions;
  /** Epochs to train first (required > 0 when the model is a zoo name; default 0 for a given model). */
  readonly trainEpochs?: number;
  /** Learning rate of that training (default: train()'s, like every other setting of that run). */
  readonly trainLr?: number;
  /** Unstructured pruning method (default 'iterative'; 'iterative' and 'agp' retrain as they prune). */
  readonly pruneMethod?: string;
  /**
   * Target sparsity of the prunable weights (default 0.94): one number (one global magnitude threshold unless
   * pruneOptions.scope is 'layer'), or per layer.
   */
  readonly pruneSparsity?: SparsityTarget;
  /** Options of the pruning method (default for 'iterative': { cycles: 2, epochsPerCycle: 1 }). */
  readonly pruneOptions?: RawOptions;
  /** Masked retraining epochs after pruning (default 3). */
  readonly retrainEpochs?: number;
  /** Retraining learning rate (default 0.05). */
  readonly retrainLr?: number;
  /** Schedule of every retraining run (default cosine with a 0.3-epoch warm-up). */
  readonly retrainSchedule?: Schedule;
  /** Weight decay while retraining (default 0). */
  readonly weightDecay?: number;
  /** k-means bits (default { conv: 8, fc: 5 }). */
  readonly bits?: number | KindBits;
  readonly init?: KmeansInit;
  /** Codebook fine-tuning epochs (default 1; 0 skips). */
  readonly finetuneEpochs?: number;
  readonly finetuneLr?: number;
  readonly batchSize?: number;
  readonly pack?: PackOptions;
  readonly threads?: number;
  readonly seed?: number;
  /** Timed latency runs per model and batch size for the final measurement (default 50; 0 skips). */
  readonly latencyRuns?: number;
  readonly inProcess?: boolean;
  readonly onProgress?: (p: TrainProgress) => void;
  /** Stage messages. */
  readonly log?: (message: string) => void;
  readonly signal?: AbortSignal;
}

/** What `deepCompress` returns: the models, the container and its report, errors per stage, measurements. */
export interface DeepCompressResult {
  /** The model the pipeline started from (trained first when a zoo name was given). */
  readonly input: Model;
  /** The final (pruned, shared, fine-tuned) dense ONNX model; `bytes` unpack to it bit for bit. */
  readonly model: Model;
  readonly bytes: Uint8Array;
  readonly report: PackReport;
  /** Test error of the input, after pruning + retraining, after sharing, and at the end. */
  readonly errorBefore: number;
  readonly errorPruned: number;
  readonly errorShared: number;
  readonly errorAfter: number;
  readonly sparsity: SparsityStats;
  /** Dense float32 bytes / container bytes. */
  readonly ratio: number;
  readonly measurement: CompressionMeasurement;
  readonly seconds: number;
  /** The settings used, defaults filled in. */
  readonly settings: DeepCompressSettings;
}

/** The pruning-method options: the given ones, over DEEP_COMPRESS_DEFAULTS.pruneOptions for the default method. */
function pruneOptionsOf(opts: Pick<DeepCompressOptions, 'pruneMethod' | 'pruneOptions'>): RawOptions {
  const d = DEEP_COMPRESS_DEFAULTS;
  return { ...((opts.pruneMethod ?? d.pruneMethod) === d.pruneMethod ? d.pruneOptions : {}), ...opts.pruneOptions };
}

/** The settings `deepCompress` uses for `opts` (DEEP_COMPRESS_DEFAULTS where an option is unset). */
export function deepCompressSettings(opts: Omit<DeepCompressOptions, 'dataset'>): DeepCompressSettings {
  const d = DEEP_COMPRESS_DEFAULTS;
  const pruneMethod = opts.pruneMethod ?? d.pruneMethod;
  const pruneSparsity = opts.pruneSparsity ?? d.pruneSparsity;
  const gap = opts.pack?.gapBits;
  return {
    trainEpochs: opts.trainEpochs ?? 0, pruneMethod, pruneSparsity,
    pruneOptions: effectiveMethodOptions(pruneMethod, pruneOptionsOf(opts), pruneSparsity),
    retrainEpochs: opts.retrainEpochs ?? d.retrainEpochs, retrainLr: opts.retrainLr ?? d.retrainLr,
    retrainSchedule: opts.retrainSchedule ?? d.retrainSchedule, weightDecay: opts.weightDecay ?? d.weightDecay,
    bits: typeof opts.bits === 'number' ? opts.bits : { ...d.bits, ...opts.bits }, init: opts.init ?? d.init,
    finetuneEpochs: opts.finetuneEpochs ?? d.finetuneEpochs, finetuneLr: opts.finetuneLr ?? d.finetuneLr,
    gapBits: typeof gap === 'number' ? gap : { ...d.gapBits, ...gap },
    batchSize: opts.batchSize ?? d.batchSize, seed: opts.seed ?? d.seed,
  };
}

/** Runs the Deep Compression pipeline on `model` (a Model, or a zoo name trained first); see the module comment. */
export async function deepCompress(model: Model | string, opts: DeepCompressOptions): Promise<DeepCompressResult> {
  const t0 = Date.now();
  const data = typeof opts.dataset === 'string' ? loadDataset(opts.dataset, opts.datasetOptions ?? {}) : opts.dataset;
  const threads = opts.threads ?? 2;
  const set = deepCompressSettings(opts);
  const seed = set.seed;
  const common = {
    dataset: data, threads, seed, batchSize: set.batchSize,
    ...(opts.inProcess === undefined ? {} : { inProcess: opts.inProcess }),
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
  };
  const log = opts.log ?? ((): void => undefined);
  const err = async (m: Model): Promise<number> => (await evaluate(m, data.test, { threads })).top1Error;
  let input = typeof model === 'string'
    ? buildZooModel(model, { seed, numClasses: data.numClasses, inputShape: data.train.sampleShape })
    : model;
  const trainEpochs = set.trainEpochs;
  if (typeof model === 'string' && trainEpochs <= 0) {
    throw new SlimnetError('INVALID_ARGUMENT',
      `deep-compress: zoo model '${model}' must be trained first (trainEpochs > 0)`);
  }
  if (trainEpochs > 0) {
    log(`training ${typeof model === 'string' ? model : 'the model'} for ${trainEpochs} epoch(s)`);
    input = (await train({
      ...common, model: input, epochs: trainEpochs, ...(opts.trainLr === undefined ? {} : { lr: opts.trainLr }),
      validate: false,
    })).model;
  }
  const sparsity = set.pruneSparsity;
  if (typeof sparsity !== 'number') prunableWeights(input, { only: Object.keys(sparsity) }); // unknown layer names throw here
  log(`pruning (${set.pruneMethod}) and retraining`);
  const pruned = await pruneAndRetrain(input, {
    ...common, method: set.pruneMethod, sparsity, finetuneEpochs: set.retrainEpochs,
    methodOptions: pruneOptionsOf(opts), lr: set.retrainLr, schedule: set.retrainSchedule,
    weightDecay: set.weightDecay,
    onWarning: (m: string) => log(`warning: ${m}`),
  });
  log('k-means weight sharing');
  const shared = kmeansShare(pruned.model, { bits: set.bits, init: set.init, seed });
  let current = shared.model;
  const errorShared = await err(current);
  let errorAfter = errorShared;
  if (set.finetuneEpochs > 0) {
    log('codebook fine-tuning');
    current = (await finetuneCodebooks(current, shared.layers, {
      ...common, epochs: set.finetuneEpochs, lr: set.finetuneLr, validate: false,
    })).model;
    errorAfter = await err(current);
  }
  log('packing');
  const maxBits = Math.max(8, ...shared.layers.map((l) => l.bits));
  const { bytes, report } = packWithReport(current, { maxBits, ...opts.pack, gapBits: set.gapBits });
  const measurement = await measureCompression(input, current, {
    test: data.test, threads, beforeError: pruned.beforeError, afterError: errorAfter, packedBytes: bytes.length,
    latencyRuns: opts.latencyRuns ?? 50, log,
  });
  return {
    input, model: current, bytes, report, errorBefore: pruned.beforeError, errorPruned: pruned.afterError, errorShared, errorAfter,
    sparsity: pruned.stats, ratio: report.ratio, measurement, seconds: (Date.now() - t0) / 1000, settings: set,
  };
}
