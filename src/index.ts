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
export { pretrainedModelNames, pretrainedModels, resolvePretrained, type PretrainedEntry } from './zoo/pretrained.js';
export * from './runtime/index.js';
export * from './train/index.js';
export * from './kernels/xnor/index.js';
export * from './compress/quantization/binary-deploy/index.js';
export * as sharing from './compress/sharing/index.js';
export * from './compress/quantization/index.js';
export { deepCompress, pack, packWithReport, unpack, formatSizeTable, type DeepCompressOptions, type DeepCompressResult, type PackOptions, type PackReport } from './compress/coding/index.js';
export { measureCompression, type CompressionMeasurement, type MeasureOptions } from './compress/measure.js';
export { Rng } from './util/rng.js';
export { atomicWrite, checkWritable } from './util/atomic-write.js';
export { main as runCli } from './cli/main.js';
export * as pruning from './compress/pruning/index.js';
