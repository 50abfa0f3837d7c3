/**
 * slimnet's library entry. One namespace per layer and per compression family (`ir`, `onnx`, `passes`,
 * `autodiff`, `metrics`, `data`, `zoo`, `runtime`, `train`, `pruning`, `quantization`, `sharing`, `lowrank`,
 * `compact`, `distill`, `coding`, `binary`, `xnor`), each also importable as a subpath (`slimnet/pruning`), plus
 * the handful of names most programs start with. See DEVELOPERS.md for the layering.
 */
export * as ir from './ir/index.js';
export * as onnx from './onnx/index.js';
export * as passes from './passes/index.js';
export * as autodiff from './autodiff/index.js';
export * as metrics from './metrics/index.js';
export * as data from './data/index.js';
export * as zoo from './zoo/index.js';
export * as runtime from './runtime/index.js';
export * as train from './train/index.js';
export * as pruning from './compress/pruning/index.js';
export * as quantization from './compress/quantization/index.js';
export * as sharing from './compress/sharing/index.js';
export * as lowrank from './compress/lowrank/index.js';
export * as compact from './compress/compact/index.js';
export * as distill from './compress/distill/index.js';
export * as coding from './compress/coding/index.js';
export * as binary from './compress/quantization/binary-deploy/index.js';
export * as xnor from './kernels/xnor/index.js';

export { Graph, Model, Node, SlimnetError, Tensor, Value } from './ir/index.js';
export { loadModel, saveModel } from './onnx/index.js';
export { modelStats } from './metrics/index.js';
export { loadDataset } from './data/index.js';
export { evaluate } from './runtime/index.js';
export { quantize } from './compress/quantization/index.js';
export { deepCompress, pack, unpack } from './compress/coding/index.js';
export { measureCompression, type CompressionMeasurement, type MeasureOptions } from './compress/measure.js';
export { main as runCli } from './cli/main.js';
