/**
 * slimnet's library entry: the public API of every layer. See DEVELOPERS.md for the layering
 * (ir ← onnx ← passes/metrics/autodiff/data/zoo ← runtime ← train/compress ← cli/report).
 */
export * from './ir/index.js';
export * from './onnx/index.js';
export { inferShapes, inferShapesPass, type InferShapesOptions } from './passes/infer-shapes.js';
export { runPasses, type Pass, type PassResult } from './passes/pass.js';
export * from './metrics/index.js';
export { addBackward, type BackwardOptions, type StraightThrough } from './autodiff/backward.js';
export type { GradContext, GradientRule, GradientTable } from './autodiff/rule.js';
export * as losses from './autodiff/losses.js';
export * from './data/index.js';
export * from './zoo/index.js';
export * from './runtime/index.js';
export * from './train/index.js';
export { Rng } from './util/rng.js';
export { atomicWrite, checkWritable } from './util/atomic-write.js';
export { main as runCli } from './cli/main.js';
export * as pruning from './compress/pruning/index.js';
