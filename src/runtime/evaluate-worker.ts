/**
 * Evaluation in a worker thread: `evaluateInWorker` sends the encoded model and the split (copied) to
 * the task module evaluate-task.ts and streams progress back; stopping (signal / Ctrl-C) ends it between
 * batches with SlimnetError('INTERRUPTED').
 */
import type { Model } from '../ir/graph.js';
import type { Split } from '../data/types.js';
import { encodeModel } from '../onnx/index.js';
import type { EvaluateOptions, EvaluateResult } from './evaluate.js';
import { runWorker } from './worker.js';

/** Options of evaluateInWorker: evaluate's (minus callbacks) plus worker control. */
export interface EvaluateInWorkerOptions extends Omit<EvaluateOptions, 'onProgress' | 'shouldStop' | 'signal'> {
  /** Called on the main thread after each batch. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Aborting stops the evaluation between batches (rejects with INTERRUPTED). */
  readonly signal?: AbortSignal;
  /** Handle Ctrl-C while evaluating (default true). */
  readonly sigint?: boolean;
}

/** Request sent to evaluate-task.ts. */
export interface EvalRequest {
  readonly model: Uint8Array;
  readonly split: Split;
  readonly opts: Omit<EvaluateOptions, 'onProgress' | 'shouldStop' | 'signal'>;
}

/** Progress reported by evaluate-task.ts. */
export interface EvalProgress {
  readonly done: number;
  readonly total: number;
}

/** Like evaluate, but runs in a worker thread so the main thread stays responsive. */
export function evaluateInWorker(model: Model | Uint8Array, split: Split, opts: EvaluateInWorkerOptions = {}): Promise<EvaluateResult> {
  const { onProgress, signal, sigint, ...evalOpts } = opts;
  const bytes = model instanceof Uint8Array ? model : encodeModel(model);
  // Structured cloning copies a view's whole underlying buffer, so send only the samples evaluated.
  const count = Math.min(split.count, evalOpts.limit ?? split.count);
  const per = split.count === 0 ? 0 : split.images.length / split.count;
  const plain: Split = {
    images: split.images.slice(0, count * per),
    labels: split.labels.slice(0, count),
    count,
    sampleShape: [...split.sampleShape],
  };
  return runWorker<EvalRequest, EvalProgress, EvaluateResult>(new URL('./evaluate-task.js', import.meta.url), { model: bytes, split: plain, opts: evalOpts }, {
    ...(onProgress === undefined ? {} : { onProgress: (p: EvalProgress) => onProgress(p.done, p.total) }),
    ...(signal === undefined ? {} : { signal }),
    ...(sigint === undefined ? {} : { sigint }),
  });
}
