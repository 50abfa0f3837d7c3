/** Deployment of binary models: find Sign → Conv/Gemm(±1) layers and run them on the XNOR kernel. */
export { findBinaryLayers, type BinaryLayer, type BinaryLayerScan, type SkippedBinaryLayer } from './detect.js';
export { splitAroundBinaryLayers, type Step } from './plan.js';
export { BinaryRunner, type BinaryLayerInfo, type BinaryRunnerOptions, type StepTime } from './runner.js';
export { compareBinaryLatency, type BinaryLatencyOptions, type BinaryLatencyResult } from './measure.js';
export { packedModelSize, type PackedModelSize } from './size.js';
export { binaryReport, type BinaryReport, type BinaryReportOptions } from './report.js';
