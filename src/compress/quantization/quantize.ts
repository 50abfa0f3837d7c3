/**
 * quantize(): the library call behind `slimnet quantize` — looks the method up in the registry, checks
 * its options, runs it, and measures the result against the input (test error, size, ratio, latency).
 */
import type { Dataset } from '../../data/types.js';
import type { Model } from '../../ir/graph.js';
import type { TrainProgress } from '../../train/types.js';
import { measureCompression, type CompressionMeasurement, type MeasureOptions } from '../measure.js';
import type { PackedForm, SummaryBlock } from './method.js';
import type { AnyOptionValues, RawOptions } from '../options.js';
import { resolveMethodOptions } from '../registry.js';
import { quantizationMethod } from './methods.js';
import type { FeedSet } from '../../data/feeds.js';
import { compareModels, type Comparison } from '../../runtime/compare.js';

/**
 * Options of `quantize`: a registered method and its options, data or feeds for calibration and fidelity, threads, seed
 * and callbacks.
 */
export interface QuantizeOptions {
  /** A registered method name (see quantizationMethods). */
  readonly method: string;
  /** Method options by their camelCase names; strings are parsed (as from a command line). */
  readonly options?: RawOptions;
  /** Data for calibration / fine-tuning (train split) and the error measurement (test split). */
  readonly data?: Dataset;
  /**
   * Feeds for every model input, labels optional: calibration data for post-training methods, and the data on
   * which the result's fidelity to the input model is measured (QuantizeResult.fidelity).
   */
  readonly feeds?: FeedSet;
  /** onnxruntime threads for calibration, training and evaluation (default 2). */
  readonly threads?: number;
  /** Seed of everything random (default 0). */
  readonly seed?: number;
  /** Measurement settings; false skips measuring (default: error on the test split, size, latency). */
  readonly measure?: Omit<MeasureOptions, 'test' | 'packedBytes' | 'threads'> | false;
  readonly onProgress?: (p: TrainProgress) => void;
  readonly log?: (message: string) => void;
  readonly signal?: AbortSignal;
  /** Train in the calling thread (tests). */
  readonly inProcess?: boolean;
}

/**
 * The result of `quantize`: the method, its checked options, the model, report and summary, packed form, measurement
 * and fidelity.
 */
export interface QuantizeResult {
  readonly method: string;
  /** The checked options with defaults filled in. */
  readonly options: AnyOptionValues;
  readonly model: Model;
  readonly report: Readonly<Record<string, unknown>>;
  readonly summary: readonly SummaryBlock[];
  readonly packed?: PackedForm;
  readonly measurement?: CompressionMeasurement;
  /** Fidelity to the input model on `feeds` (top-1 agreement, cosine, SQNR per output), when feeds were given. */
  readonly fidelity?: Comparison;
  /** Wall-clock seconds of the method itself (without measuring). */
  readonly seconds: number;
}

/**
 * Quantizes a model with a registered method (`quantizationMethods()`), checking its options first; measures fidelity
 * to the input on `feeds` when given.
 */
export async function quantize(model: Model, opts: QuantizeOptions): Promise<QuantizeResult> {
  const method = quantizationMethod(opts.method);
  const options = resolveMethodOptions(method, opts.options ?? {});
  const t0 = Date.now();
  const out = await method.run(model, options, {
    threads: opts.threads ?? 2, seed: opts.seed ?? 0,
    ...(opts.data === undefined ? {} : { data: opts.data }),
    ...(opts.feeds === undefined ? {} : { feeds: opts.feeds }),
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
    ...(opts.log === undefined ? {} : { log: opts.log }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(opts.inProcess === undefined ? {} : { inProcess: opts.inProcess }),
  });
  const seconds = (Date.now() - t0) / 1000;
  const measurement = opts.measure === false ? undefined : await measureCompression(model, out.model, {
    ...opts.measure, threads: opts.threads ?? 2,
    ...(opts.data === undefined ? {} : { test: opts.data.test }),
    ...(out.packed === undefined ? {} : { packedBytes: out.packed.bytes.length }),
    ...(opts.log === undefined || opts.measure?.log !== undefined ? {} : { log: opts.log }),
  });
  const fidelity = opts.feeds === undefined || opts.measure === false ? undefined
    : await compareModels(model, out.model, opts.feeds, { threads: opts.threads ?? 2 });
  return {
    method: method.name, options, model: out.model, report: out.report, summary: out.summary, seconds,
    ...(fidelity === undefined ? {} : { fidelity }),
    ...(out.packed === undefined ? {} : { packed: out.packed }),
    ...(measurement === undefined ? {} : { measurement }),
  };
}
