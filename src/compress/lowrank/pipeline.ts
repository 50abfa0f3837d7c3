/**
 * The whole low-rank workflow in one call: decompose, measure the test error before and after, refit the
 * last stages by least squares (optional), fine-tune with `train()` (optional), measure again, and time the original against the result (whole model and
 * per factored layer). Used by `slimnet decompose` and the benchmark.
 */
import type { Dataset } from '../../data/types.js';
import { SlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import { evaluate } from '../../runtime/evaluate.js';
import { train } from '../../train/trainer.js';
import type { EpochStats, TrainOptions } from '../../train/types.js';
import { decompose } from './decompose.js';
import { measureDecomposition, type DecompositionLatency, type MeasureOptions } from './measure.js';
import { refitLastStages, type RefitResult } from './refit.js';
import type { DecomposeOptions, DecomposeReport } from './types.js';

/**
 * Options of `lowRankPipeline`: the decomposition options plus data, evaluation, least-squares refit, fine-tuning and
 * latency measurement.
 */
export interface LowRankPipelineOptions extends DecomposeOptions {
  /** Data for the error measurements and fine-tuning (without it no error is measured). */
  readonly dataset?: Dataset;
  /** Evaluate on only the first N test samples (default all). */
  readonly evalLimit?: number;
  /** onnxruntime threads for evaluation (default 2). */
  readonly evalThreads?: number;
  /**
   * Refit the last stage of each factored layer by least squares on this many training images before
   * fine-tuning (refit.ts; default 0 = off; needs `dataset`).
   */
  readonly refitSamples?: number;
  /** Fine-tuning epochs after the decomposition (default 0; needs `dataset`). */
  readonly finetuneEpochs?: number;
  /** Options for `train()` (lr, batch size, optimizer, threads, schedule, onProgress...). */
  readonly train?: Partial<Omit<TrainOptions, 'model' | 'dataset' | 'epochs'>>;
  /** Latency measurement (default: batch 1 and 64, 50 runs, 1 thread, per layer); false skips it. */
  readonly latency?: MeasureOptions | false;
}

/** Top-1 test errors of a low-rank run: original, decomposed, refit and fine-tuned. */
export interface LowRankErrors {
  /** Test top-1 error of the original model. */
  readonly original: number;
  /** Right after the decomposition. */
  readonly decomposed: number;
  /** After the least-squares refit (when it ran). */
  readonly refit?: number;
  /** After fine-tuning (when it ran). */
  readonly finetuned?: number;
  /** Test samples used. */
  readonly samples: number;
}

/**
 * The result of `lowRankPipeline`: the final and decomposed models, report, refit, errors, fine-tuning history and
 * latency.
 */
export interface LowRankPipelineResult {
  /** The final model (fine-tuned when fine-tuning ran). */
  readonly model: Model;
  /** The model right after the decomposition. */
  readonly decomposed: Model;
  readonly report: DecomposeReport;
  /** Per-layer output errors before / after the refit (when it ran). */
  readonly refit?: RefitResult;
  readonly errors?: LowRankErrors;
  readonly finetuneHistory?: readonly EpochStats[];
  readonly latency?: DecompositionLatency;
}

/**
 * Decompose, optionally refit the last stages by least squares and fine-tune, measuring test error after each step and
 * latency when asked.
 */
export async function lowRankPipeline(model: Model, opts: LowRankPipelineOptions): Promise<LowRankPipelineResult> {
  const epochs = opts.finetuneEpochs ?? 0;
  if (!Number.isInteger(epochs) || epochs < 0) throw new SlimnetError('INVALID_ARGUMENT', `finetuneEpochs must be a non-negative integer, got ${epochs}`);
  if (epochs > 0 && opts.dataset === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'fine-tuning needs a dataset');
  const refitSamples = opts.refitSamples ?? 0;
  if (!Number.isInteger(refitSamples) || refitSamples < 0) throw new SlimnetError('INVALID_ARGUMENT', `refitSamples must be a non-negative integer, got ${refitSamples}`);
  if (refitSamples > 0 && opts.dataset === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'the least-squares refit needs a dataset');
  const log = opts.onProgress ?? (() => undefined);
  const { model: decomposed, report } = decompose(model, opts);
  const data = opts.dataset;
  const evalOpts = { threads: opts.evalThreads ?? 2, ...(opts.evalLimit === undefined ? {} : { limit: opts.evalLimit }) };
  let errors: LowRankErrors | undefined;
  let final = decomposed;
  let history: readonly EpochStats[] | undefined;
  let refit: RefitResult | undefined;
  if (data !== undefined) {
    log('evaluating the original and the decomposed model');
    const original = await evaluate(model, data.test, evalOpts);
    const after = await evaluate(decomposed, data.test, evalOpts);
    errors = { original: original.top1Error, decomposed: after.top1Error, samples: original.count };
    if (refitSamples > 0) {
      log(`refitting the last stages on ${refitSamples} training images`);
      refit = await refitLastStages(model, decomposed, report, { data: data.train, samples: refitSamples, threads: evalOpts.threads });
      final = refit.model;
      errors = { ...errors, refit: (await evaluate(final, data.test, evalOpts)).top1Error };
    }
    if (epochs > 0) {
      log(`fine-tuning ${epochs} epoch(s)`);
      const r = await train({ ...opts.train, model: final, dataset: data, epochs, validate: false });
      final = r.model;
      history = r.history;
      errors = { ...errors, finetuned: (await evaluate(final, data.test, evalOpts)).top1Error };
    }
  }
  const latency = opts.latency === false ? undefined : await measureDecomposition(model, final, report, { onProgress: log, ...opts.latency });
  return {
    model: final, decomposed, report, ...(refit === undefined ? {} : { refit }), ...(errors === undefined ? {} : { errors }), ...(history === undefined ? {} : { finetuneHistory: history }),
    ...(latency === undefined ? {} : { latency }),
  };
}
