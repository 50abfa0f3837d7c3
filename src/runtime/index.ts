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
export { dotU8S8, saturationFree, SATURATION_FREE_WEIGHT_MAX, type KernelArithmetic } from './int8-arithmetic.js';
export {
  cpuinfoHasVnni, int8Kernels, probeInt8Kernels, VNNI_ENV, type Int8KernelInfo, type Int8KernelProbe,
} from './int8-kernels.js';
export {
  compareModels, describeOutputs, runFeeds,
  type CompareOptions, type Comparison, type OutputDescription, type OutputSummary,
} from './compare.js';
export { checkFeeds, feedRuns, statePairs, type FeedRun, type FeedRunOptions } from './feed-run.js';
export { compareLayers, sharedValueNames } from './layer-fidelity.js';
