/**
 * Quantization: the method registry and quantize(), plus the methods' own entry points (post-training int8
 * and QAT, fixed point, k-means sharing). Lower-level pieces live in the family folders' index files.
 */
export {
  defineQuantizationMethod, optionalNumber, optionBoolean, optionInteger, optionList, optionNumber, optionString,
  requireData, type PackedForm, type QuantizationMethod, type QuantizeContext, type QuantizeOutcome, type SummaryBlock,
  type SummaryTable,
} from './method.js';
export { checkMethods, quantizationMethod, quantizationMethods, registerQuantizationMethod } from './methods.js';
export { quantize, type QuantizeOptions, type QuantizeResult } from './quantize.js';
export { quantizeInt8, type QuantizeInt8Options, type QuantizeInt8Report } from './int8/pipeline.js';
export { chooseWeightRange, type ReduceRange, type WeightRangeChoice } from './int8/reduce-range.js';
export { quantizationAwareTraining, int8WeightTransform, addActivationFakeQuant, type QatOptions, type QatResult, type QatScale } from './int8/qat.js';
export { fixedPointQuantize, type FixedPointOptions, type FixedPointResult } from './fixed/quantize.js';
export { finetuneFixedPoint, type FixedFinetuneOptions, type FixedFinetuneResult } from './fixed/finetune.js';
export { fixedWeightTransform, ROUND_STE } from './fixed/fake-quant.js';
export { kmeansShare, type KmeansShareOptions, type KmeansShareResult, type SharedLayer } from './kmeans/share.js';
export { finetuneCodebooks, type FinetuneCodebooksOptions, type FinetuneCodebooksResult } from './kmeans/finetune.js';
export {
  trainBinary, type BinaryLayerReport, type BinaryReport, type TrainBinaryOptions, type TrainBinaryResult,
} from './binary/train-binary.js';
export type { BinaryMethodName, BinaryMethodOptions } from './binary/methods.js';
