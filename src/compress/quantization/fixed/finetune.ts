/**
 * Fixed-point fine-tuning with the straight-through estimator: float shadow weights are fake-quantized
 * in the forward pass (WeightTransform, gradient zero outside the clip range), activations are fake-
 * quantized in the graph, Round differentiated as the identity (ROUND_STE) and Clip by its own rule.
 * The request is the one prepareTraining builds, with the training graph rebuilt with the Round rule.
 */
import type { LoadDatasetOptions } from '../../../data/load.js';
import type { Dataset, Split } from '../../../data/types.js';
import type { Model } from '../../../ir/graph.js';
import { decodeModel, encodeModel } from '../../../onnx/index.js';
import { runWorker } from '../../../runtime/worker.js';
import { GraphBuilder } from '../../../ir/builder.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import { buildEvalGraph } from '../../../train/eval-graph.js';
import { cloneModel, insertTransforms } from '../../../train/graph-edit.js';
import { runTraining } from '../../../train/run-training.js';
import { optimizerSpec, prepareTraining } from '../../../train/trainer.js';
import { buildTrainingGraph, selectTrainable } from '../../../train/training-graph.js';
import type { EpochStats, TrainOptions, TrainProgress, TrainRequest, TrainResponse } from '../../../train/types.js';
import { fixedWeightTransform, ROUND_STE } from './fake-quant.js';
import type { FixedRounding } from './fixed-point.js';
import { fixedPointQuantize, quantizeWeightsInPlace } from './quantize.js';

export interface FixedFinetuneOptions {
  readonly weightBits?: number;
  readonly activationBits?: number;
  readonly dynamic?: boolean;
  /** Rounding of the final weights (default 'nearest'). */
  readonly rounding?: FixedRounding;
  readonly dataset: string | Dataset;
  readonly datasetOptions?: LoadDatasetOptions;
  /** Split to calibrate activation ranges on (default: the dataset's training split when loaded). */
  readonly calibration?: Split;
  readonly epochs?: number;
  readonly lr?: number;
  readonly batchSize?: number;
  readonly seed?: number;
  readonly threads?: number;
  readonly inProcess?: boolean;
  readonly onProgress?: (p: TrainProgress) => void;
}

export interface FixedFinetuneResult {
  readonly model: Model;
  readonly history: readonly EpochStats[];
  readonly testError: number;
}

export async function finetuneFixedPoint(model: Model, opts: FixedFinetuneOptions): Promise<FixedFinetuneResult> {
  const calibration = opts.calibration ?? (typeof opts.dataset === 'string' ? undefined : opts.dataset.train);
  const common = {
    ...(opts.activationBits === undefined ? {} : { activationBits: opts.activationBits }),
    ...(opts.dynamic === undefined ? {} : { dynamic: opts.dynamic }),
    ...(calibration === undefined ? {} : { calibration }),
  };
  // Activation-quantized float model (weights untouched) + the weight formats to train under.
  const actOnly = await fixedPointQuantize(model, common);
  const formats = opts.weightBits === undefined ? {} : (await fixedPointQuantize(model, { weightBits: opts.weightBits, dynamic: opts.dynamic ?? true })).weights;
  const trainOpts: TrainOptions = {
    model: actOnly.model,
    dataset: opts.dataset,
    ...(opts.datasetOptions === undefined ? {} : { datasetOptions: opts.datasetOptions }),
    epochs: opts.epochs ?? 1,
    lr: opts.lr ?? 0.001,
    ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(opts.threads === undefined ? {} : { threads: opts.threads }),
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
    hooks: { transforms: (p) => (formats[p.name] === undefined ? undefined : fixedWeightTransform(formats[p.name]!, p.name)) },
  };
  // prepareTraining on the float model (no Round yet) gives the hyper-parameters; the graphs are rebuilt.
  const base = prepareTraining({ ...trainOpts, model });
  const rebuilt = buildTrainingGraph(actOnly.model, {
    optimizer: optimizerSpec(trainOpts), dropoutSeed: opts.seed ?? 0,
    ...(trainOpts.hooks?.transforms === undefined ? {} : { transforms: trainOpts.hooks.transforms }),
    rules: new Map([['Round', ROUND_STE]]),
  });
  const inference = cloneModel(actOnly.model);
  inferShapes(inference);
  insertTransforms(new GraphBuilder(inference.graph), selectTrainable(inference, {}), trainOpts.hooks?.transforms);
  const request: TrainRequest = {
    ...base,
    trainingGraph: encodeModel(rebuilt.model),
    evalGraph: encodeModel(buildEvalGraph(inference, rebuilt.info)),
    inferenceModel: encodeModel(inference),
    info: rebuilt.info,
  };
  const response = opts.inProcess === true
    ? await runTraining(request, { progress: (p) => opts.onProgress?.(p), shouldStop: () => false, throwIfStopped: () => undefined })
    : await runWorker<TrainRequest, TrainProgress, TrainResponse>(new URL('../../../train/train-worker.js', import.meta.url), request,
        opts.onProgress === undefined ? {} : { onProgress: opts.onProgress });
  const trained = decodeModel(response.model);
  const out = cloneModel(actOnly.model);
  for (const [name, v] of out.graph.initializers) {
    const t = trained.graph.initializers.get(name)?.initializer;
    if (t !== undefined) v.initializer = t;
  }
  quantizeWeightsInPlace(out, formats, opts.rounding ?? 'nearest', opts.seed ?? 0);
  const last = response.history[response.history.length - 1];
  return { model: out, history: response.history, testError: last?.testError ?? NaN };
}
