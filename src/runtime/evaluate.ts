/**
 * Classification accuracy of a model on a data split: batched inference through onnxruntime, top-1 and
 * top-5 error. The input is checked against the data before anything runs; a model whose batch
 * dimension is fixed gets batches of exactly that size (the last one zero-padded, padding ignored).
 */
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { checkLabels } from '../data/normalize.js';
import type { Split } from '../data/types.js';
import { TopKAccumulator } from '../metrics/topk.js';
import { pickValue, planInput } from './model-input.js';
import { Session } from './session.js';

/** Options of `evaluate`: batch size, threads, input / output names, sample limit, progress callback. */
export interface EvaluateOptions {
  /** Samples per inference call (default 256; forced to the model's batch size when that is fixed). */
  readonly batchSize?: number;
  /** onnxruntime intra-op threads (default: Session's default). */
  readonly threads?: number;
  /** Model input to feed (default: the first input). */
  readonly inputName?: string;
  /** Model output holding the class scores [N, classes] (default: the first output). */
  readonly outputName?: string;
  /** Evaluate only the first `limit` samples of the split. */
  readonly limit?: number;
  /** Called after each batch with samples done so far and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Polled between batches; when it returns true evaluation stops with SlimnetError('INTERRUPTED'). */
  readonly shouldStop?: () => boolean;
  /** Aborting it stops evaluation between batches with SlimnetError('INTERRUPTED'). */
  readonly signal?: AbortSignal;
}

/** Classification error of a model on a split: top-1 and top-5 error in [0, 1], samples and seconds. */
export interface EvaluateResult {
  /** Fraction of samples whose true class is not the highest score. */
  readonly top1Error: number;
  /** Fraction of samples whose true class is not among the five highest scores. */
  readonly top5Error: number;
  /** Samples evaluated. */
  readonly count: number;
  /** Wall-clock seconds, session creation included. */
  readonly seconds: number;
}

/** Evaluates `model` on `split`. */
export async function evaluate(model: Model | Uint8Array, split: Split, opts: EvaluateOptions = {}): Promise<EvaluateResult> {
  const t0 = process.hrtime.bigint();
  const total = Math.min(split.count, opts.limit ?? split.count);
  const requested = opts.batchSize ?? 256;
  if (!Number.isInteger(requested) || requested < 1) {
    throw new SlimnetError('INVALID_ARGUMENT', `batchSize must be a positive integer, got ${requested}`);
  }
  if (!Number.isInteger(total) || total < 0) throw new SlimnetError('INVALID_ARGUMENT', `limit must be a non-negative integer, got ${opts.limit}`);
  if (total === 0) {
    throw new SlimnetError('DATASET_INVALID', 'nothing to evaluate: the split has no samples (or limit is 0)');
  }
  const session = await Session.create(model, opts.threads === undefined ? {} : { threads: opts.threads });
  try {
    const plan = planInput(session, split.sampleShape, opts.inputName);
    const output = pickValue(session.outputs, opts.outputName, 'output').name;
    const batchSize = plan.fixedBatch ?? requested;
    const per = split.images.length / Math.max(1, split.count);
    const padded = plan.fixedBatch === undefined ? undefined : new Float32Array(batchSize * per);
    let acc: TopKAccumulator | undefined;
    for (let start = 0; start < total; start += batchSize) {
      if (opts.shouldStop?.() === true || opts.signal?.aborted === true) {
        throw new SlimnetError('INTERRUPTED', `evaluation interrupted after ${start} of ${total} samples`);
      }
      const n = Math.min(batchSize, total - start);
      let x = split.images.subarray(start * per, (start + n) * per);
      if (padded !== undefined && n < batchSize) {
        padded.fill(0);
        padded.set(x);
        x = padded;
      }
      const fed = padded === undefined ? n : batchSize;
      const result = await session.run({ [plan.name]: new Tensor('float32', plan.dims(fed), x) }, [output]);
      const logits = result[output];
      if (logits === undefined) throw new SlimnetError('RUNTIME', `onnxruntime returned no output '${output}'`);
      const data = logits.data;
      if (!(data instanceof Float32Array || data instanceof Float64Array)) {
        throw new SlimnetError('RUNTIME', `output '${output}' has type ${logits.dtype}; class scores must be float32 or float64`);
      }
      const rows = logits.dims[0];
      if (logits.rank < 1 || rows !== fed || data.length % fed !== 0) {
        throw new SlimnetError(
          'RUNTIME',
          `output '${output}' has dims [${logits.dims.join(',')}]; expected [${fed}, classes] for a batch of ${fed}`,
        );
      }
      if (acc === undefined) {
        acc = new TopKAccumulator(data.length / fed);
        const what = `data for the model's output '${output}' (${acc.numClasses} classes)`;
        checkLabels(split.labels.subarray(0, total), acc.numClasses, what);
      }
      acc.add(data.subarray(0, n * acc.numClasses), split.labels.subarray(start, start + n));
      opts.onProgress?.(start + n, total);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return {
      top1Error: acc === undefined ? 0 : acc.error(1),
      top5Error: acc === undefined ? 0 : acc.error(5),
      count: total,
      seconds,
    };
  } finally {
    await session.release();
  }
}
