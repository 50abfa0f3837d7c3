/** Execution through onnxruntime: sessions, evaluation, latency, worker threads. */
export { Session, type Feeds, type SessionOptions, type SessionValueInfo } from './session.js';
export { evaluate, type EvaluateOptions, type EvaluateResult } from './evaluate.js';
export { evaluateInWorker, type EvaluateInWorkerOptions } from './evaluate-worker.js';
export {
  compareLatency, measureLatency, randomFeeds, summarize, timeInterleaved, type CompareLatencyOptions, type InterleaveOptions,
  type LatencyComparison, type LatencyOptions, type LatencyResult,
} from './latency.js';
export { planInput, type InputPlan } from './model-input.js';
export { runWorker, serveWorker, type RunWorkerOptions, type WorkerContext } from './worker.js';
