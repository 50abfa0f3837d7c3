/**
 * Before / after measurements shared by the compression commands: test error of both models, stored size
 * (ONNX bytes, and the packed form's bytes when there is one) with the ratio, and onnxruntime latency at
 * batch 1 and 64 measured in interleaved blocks (compareLatency, 1 thread, spinning off).
 */
import type { Split } from '../data/types.js';
import type { Model } from '../ir/graph.js';
import { encodeModel } from '../onnx/index.js';
import { evaluate } from '../runtime/evaluate.js';
import { compareLatency } from '../runtime/latency.js';

/**
 * Options of `measureCompression`: the test split, evaluation limit and threads, latency runs and batch sizes, and
 * errors or packed size already known.
 */
export interface MeasureOptions {
  /** Test split to evaluate both models on (error is skipped when absent). */
  readonly test?: Split;
  /** Evaluate only the first N test samples. */
  readonly evalLimit?: number;
  /** onnxruntime threads for evaluation (default 2; latency always uses 1). */
  readonly threads?: number;
  /** Timed latency runs per model and batch size (default 50; 0 skips latency). */
  readonly latencyRuns?: number;
  /** Batch sizes to time (default [1, 64]). */
  readonly batchSizes?: readonly number[];
  /** Bytes of the packed form of the compressed model, when it has one. */
  readonly packedBytes?: number;
  /** The input model's test error when already known (skips evaluating it again). */
  readonly beforeError?: number;
  /** The compressed model's test error when already known. */
  readonly afterError?: number;
  /** Called before each stage ('evaluating', 'latency batch 64'...). */
  readonly log?: (message: string) => void;
}

export interface SizeMeasurement {
  /** ONNX bytes of the input model. */
  readonly before: number;
  /** ONNX bytes of the compressed model. */
  readonly after: number;
  /** Bytes of the packed form, when there is one. */
  readonly packed?: number;
  /** Dense float32 bytes of every float initializer of the input (the papers' baseline). */
  readonly denseWeightBytes: number;
  /** before / (packed ?? after). */
  readonly ratio: number;
}

export interface LatencyPair {
  readonly batchSize: number;
  readonly beforeMs: number;
  readonly afterMs: number;
  /** beforeMs / afterMs (above 1: the compressed model is faster). */
  readonly speedup: number;
  readonly runs: number;
  readonly threads: number;
}

/**
 * What `measureCompression` found: top-1 error before / after on the test split (absent without one), ONNX and packed
 * sizes in bytes, and median latency per batch size.
 */
export interface CompressionMeasurement {
  readonly error?: { readonly before: number; readonly after: number; readonly samples: number };
  readonly size: SizeMeasurement;
  readonly latency: readonly LatencyPair[];
}

/** Dense float32 bytes of a model's float initializers. */
export function denseWeightBytes(model: Model): number {
  let n = 0;
  for (const v of model.graph.initializers.values()) {
    const t = v.initializer;
    if (t !== undefined && (t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'float16')) n += t.size * 4;
  }
  return n;
}

/**
 * Measures a compression: evaluates `before` and `after` on `opts.test` (when given), compares their ONNX byte sizes
 * (and the packed size), and times both at each batch size with onnxruntime on one thread.
 */
export async function measureCompression(before: Model, after: Model, opts: MeasureOptions = {}): Promise<CompressionMeasurement> {
  let error: CompressionMeasurement['error'];
  if (opts.test !== undefined) {
    const evalOpts = { threads: opts.threads ?? 2, ...(opts.evalLimit === undefined ? {} : { limit: opts.evalLimit }) };
    opts.log?.('evaluating');
    const b = opts.beforeError ?? (await evaluate(before, opts.test, evalOpts)).top1Error;
    const a = opts.afterError ?? (await evaluate(after, opts.test, evalOpts)).top1Error;
    error = { before: b, after: a, samples: Math.min(opts.test.count, opts.evalLimit ?? opts.test.count) };
  }
  const beforeBytes = encodeModel(before).length;
  const afterBytes = encodeModel(after).length;
  const size: SizeMeasurement = {
    before: beforeBytes, after: afterBytes, denseWeightBytes: denseWeightBytes(before),
    ...(opts.packedBytes === undefined ? {} : { packed: opts.packedBytes }),
    ratio: beforeBytes / (opts.packedBytes ?? afterBytes),
  };
  const latency: LatencyPair[] = [];
  const runs = opts.latencyRuns ?? 50;
  if (runs > 0) {
    for (const batchSize of opts.batchSizes ?? [1, 64]) {
      opts.log?.(`latency batch ${batchSize}`);
      const c = await compareLatency(before, after, { batchSize, runs, threads: 1 });
      latency.push({ batchSize, beforeMs: c.a.medianMs, afterMs: c.b.medianMs, speedup: c.speedup, runs, threads: 1 });
    }
  }
  return { ...(error === undefined ? {} : { error }), size, latency };
}
