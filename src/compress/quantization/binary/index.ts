/** Binary and ternary networks trained with straight-through estimators (BC, BWN, XNOR, BNN, TWN, TTQ, DoReFa, HWGQ). */
export { binaryConnect, glorotScale, type BinaryConnectOptions } from './binary-connect.js';
export { bnnWeights } from './bnn.js';
export { binaryWeights } from './bwn.js';
export { dorefaActivations, dorefaGradients, dorefaWeightLevels, dorefaWeights } from './dorefa.js';
export { exportBinary, lookupIn, type DeployedBinary, type DeployedLayer } from './export.js';
export { halfGaussianMse, hwgqActivations, hwgqStep } from './hwgq.js';
export { BINARY_METHODS, binaryMethod, methodBits, type BinaryMethod, type BinaryMethodName, type BinaryMethodOptions } from './methods.js';
export { layerNodes, planBinary, type BinaryPlan, type QuantizedLayer } from './plan.js';
export { initializerBytes, layerBytes, packedSize, type PackedSize } from './size.js';
export { signActivation } from './sign-activation.js';
export { trainBinary, type BinaryLayerReport, type BinaryReport, type TrainBinaryOptions, type TrainBinaryResult } from './train-binary.js';
export { TTQ_THRESHOLD, trainedTernaryWeights, ttqCodes, ttqScaleNames } from './ttq.js';
export { TWN_THRESHOLD, ternarize, ternaryWeights } from './twn.js';
export type { ActivationQuantizer, BatchNormPolicy, QuantizedWeight, TensorLookup, WeightLayout, WeightQuantizer } from './types.js';
export { BINARY_OPTIONS, BINARY_QUANTIZATION_METHODS, binaryLayerRows, binaryTrainOptions } from './quantize-adapter.js';
