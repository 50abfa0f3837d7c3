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
import type { MethodOptions } from '../pruning/unstructured/methods.js';
import { pruneAndRetrain } from '../pruning/unstructured/pipeline.js';
import type { SparsityTarget } from '../pruning/unstructured/types.js';
import { finetuneCodebooks } from '../quantization/kmeans/finetune.js';
import type { KmeansInit } from '../quantization/kmeans/kmeans1d.js';
import { kmeansShare, type KindBits } from '../quantization/kmeans/share.js';
import { packWithReport, type PackOptions, type PackReport } from './container.js';

export interface DeepCompressOptions {
  /** Data: a name / path for loadDataset, or a loaded Dataset. */
  readonly dataset: string | Dataset;
  readonly datasetOptions?: LoadDatasetOptions;
  /** Epochs to train first (required > 0 when the model is a zoo name; default 0 for a given model). */
  readonly trainEpochs?: number;
  /** Learning rate of that training (default 0.01, cosine schedule). */
  readonly trainLr?: number;
  /** Unstructured pruning method (default 'magnitude'; 'iterative' and 'agp' retrain as they prune). */
  readonly pruneMethod?: string;
  /** Target sparsity of the prunable weights, uniform or per layer (default 0.9). */
  readonly pruneSparsity?: SparsityTarget;
  /** Options of the pruning method (e.g. { cycles: 4, epochsPerCycle: 2 } for 'iterative'). */
  readonly pruneOptions?: MethodOptions;
  /** Masked retraining epochs after pruning (default 1). */
  readonly retrainEpochs?: number;
  /** Retraining learning rate (default 0.01). */
  readonly retrainLr?: number;
  /** Schedule of the final retraining run (default constant). */
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
}

export async function deepCompress(model: Model | string, opts: DeepCompressOptions): Promise<DeepCompressResult> {
  const t0 = Date.now();
  const data = typeof opts.dataset === 'string' ? loadDataset(opts.dataset, opts.datasetOptions ?? {}) : opts.dataset;
  const threads = opts.threads ?? 2;
  const seed = opts.seed ?? 0;
  const common = {
    dataset: data, threads, seed,
    ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }),
    ...(opts.inProcess === undefined ? {} : { inProcess: opts.inProcess }),
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
  };
  const log = opts.log ?? ((): void => undefined);
  const err = async (m: Model): Promise<number> => (await evaluate(m, data.test, { threads })).top1Error;
  let input = typeof model === 'string' ? buildZooModel(model, { seed, numClasses: data.numClasses, inputShape: data.train.sampleShape }) : model;
  const trainEpochs = opts.trainEpochs ?? 0;
  if (typeof model === 'string' && trainEpochs <= 0) throw new SlimnetError('INVALID_ARGUMENT', `deep-compress: zoo model '${model}' must be trained first (trainEpochs > 0)`);
  if (trainEpochs > 0) {
    log(`training ${typeof model === 'string' ? model : 'the model'} for ${trainEpochs} epoch(s)`);
    input = (await train({ ...common, model: input, epochs: trainEpochs, lr: opts.trainLr ?? 0.01, schedule: { kind: 'cosine' }, validate: false })).model;
  }
  const sparsity = opts.pruneSparsity ?? 0.9;
  if (typeof sparsity !== 'number') prunableWeights(input, { only: Object.keys(sparsity) }); // unknown layer names throw here
  log(`pruning (${opts.pruneMethod ?? 'magnitude'}) and retraining`);
  const pruned = await pruneAndRetrain(input, {
    ...common, method: opts.pruneMethod ?? 'magnitude', sparsity, finetuneEpochs: opts.retrainEpochs ?? 1,
    methodOptions: opts.pruneOptions ?? {}, lr: opts.retrainLr ?? 0.01,
    ...(opts.retrainSchedule === undefined ? {} : { schedule: opts.retrainSchedule }),
    ...(opts.weightDecay === undefined ? {} : { weightDecay: opts.weightDecay }),
  });
  log('k-means weight sharing');
  const shared = kmeansShare(pruned.model, { ...(opts.bits === undefined ? {} : { bits: opts.bits }), ...(opts.init === undefined ? {} : { init: opts.init }), seed });
  let current = shared.model;
  const errorShared = await err(current);
  let errorAfter = errorShared;
  if ((opts.finetuneEpochs ?? 1) > 0) {
    log('codebook fine-tuning');
    current = (await finetuneCodebooks(current, shared.layers, { ...common, epochs: opts.finetuneEpochs ?? 1, lr: opts.finetuneLr ?? 0.01, validate: false })).model;
    errorAfter = await err(current);
  }
  log('packing');
  const maxBits = Math.max(8, ...shared.layers.map((l) => l.bits));
  const { bytes, report } = packWithReport(current, { maxBits, ...opts.pack });
  const measurement = await measureCompression(input, current, {
    test: data.test, threads, beforeError: pruned.beforeError, afterError: errorAfter, packedBytes: bytes.length, latencyRuns: opts.latencyRuns ?? 50, log,
  });
  return {
    input, model: current, bytes, report, errorBefore: pruned.beforeError, errorPruned: pruned.afterError, errorShared, errorAfter,
    sparsity: pruned.stats, ratio: report.ratio, measurement, seconds: (Date.now() - t0) / 1000,
  };
}
