/**
 * Fixed-point fine-tuning with the straight-through estimator: float shadow weights are fake-quantized
 * in the forward pass (WeightTransform, gradient zero outside the clip range), activations are fake-
 * quantized in the graph, Round differentiated as the identity (ROUND_STE) and Clip by its own rule.
 * Training goes through train() with the Round rule as a hook.
 */
import type { LoadDatasetOptions } from '../../../data/load.js';
import type { Dataset, Split } from '../../../data/types.js';
import type { Model } from '../../../ir/graph.js';
import { train } from '../../../train/trainer.js';
import type { EpochStats, TrainProgress } from '../../../train/types.js';
import { fixedWeightTransform, ROUND_STE } from './fake-quant.js';
import type { FixedFormat, FixedRounding } from './fixed-point.js';
import { fixedPointQuantize, quantizeWeightsInPlace } from './quantize.js';

/**
 * Options of `finetuneFixedPoint`: weight and activation bits, dynamic or static formats, rounding, data and
 * calibration, training settings.
 */
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
  /** Calibration samples for the activation ranges (default 256). */
  readonly calibrationSamples?: number;
  readonly epochs?: number;
  readonly lr?: number;
  readonly batchSize?: number;
  readonly seed?: number;
  readonly threads?: number;
  readonly inProcess?: boolean;
  /** Validate on the test split after each epoch (default true; testError is NaN without). */
  readonly validate?: boolean;
  readonly onProgress?: (p: TrainProgress) => void;
}

/**
 * The result of `finetuneFixedPoint`: the model, history, test error and the fixed-point format of each weight and
 * activation.
 */
export interface FixedFinetuneResult {
  readonly model: Model;
  readonly history: readonly EpochStats[];
  readonly testError: number;
  /** Fixed-point format per quantized weight / bias initializer. */
  readonly weights: Readonly<Record<string, FixedFormat>>;
  /** Fixed-point format per fake-quantized activation. */
  readonly activations: Readonly<Record<string, FixedFormat>>;
}

/**
 * Fixed-point fine-tuning (Ristretto-style): trains the float weights through fake fixed-point quantizers
 * (straight-through), then quantizes them.
 */
export async function finetuneFixedPoint(model: Model, opts: FixedFinetuneOptions): Promise<FixedFinetuneResult> {
  const calibration = opts.calibration ?? (typeof opts.dataset === 'string' ? undefined : opts.dataset.train);
  const common = {
    ...(opts.activationBits === undefined ? {} : { activationBits: opts.activationBits }),
    ...(opts.dynamic === undefined ? {} : { dynamic: opts.dynamic }),
    ...(calibration === undefined ? {} : { calibration }),
    ...(opts.calibrationSamples === undefined ? {} : { calibrationSamples: opts.calibrationSamples }),
  };
  // Activation-quantized float model (weights untouched) + the weight formats to train under.
  const actOnly = await fixedPointQuantize(model, common);
  const formats = opts.weightBits === undefined ? {} : (await fixedPointQuantize(model, { weightBits: opts.weightBits, dynamic: opts.dynamic ?? true })).weights;
  const r = await train({
    model: actOnly.model,
    dataset: opts.dataset,
    ...(opts.datasetOptions === undefined ? {} : { datasetOptions: opts.datasetOptions }),
    epochs: opts.epochs ?? 1,
    lr: opts.lr ?? 0.001,
    ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(opts.threads === undefined ? {} : { threads: opts.threads }),
    ...(opts.inProcess === undefined ? {} : { inProcess: opts.inProcess }),
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
    ...(opts.validate === undefined ? {} : { validate: opts.validate }),
    hooks: {
      transforms: (p) => (formats[p.name] === undefined ? undefined : fixedWeightTransform(formats[p.name]!, p.name)),
      rules: new Map([['Round', ROUND_STE]]),
    },
  });
  const trained = r.model;
  const out = actOnly.model.clone();
  for (const [name, v] of out.graph.initializers) {
    const t = trained.graph.initializers.get(name)?.initializer;
    if (t !== undefined) v.initializer = t;
  }
  quantizeWeightsInPlace(out, formats, opts.rounding ?? 'nearest', opts.seed ?? 0);
  return { model: out, history: r.history, testError: r.testError, weights: formats, activations: actOnly.activations };
}
