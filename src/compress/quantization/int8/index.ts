/** Post-training int8 quantization (QDQ and QOperator export for onnxruntime). */
export { calibrate, forEachCalibrationBatch, type CalibrationOptions } from './calibrate.js';
export { checkFusion, type FusionReport } from './fusion.js';
export { layerErrors, type LayerError } from './layer-error.js';
export { calibrationTargets, planQuantization, type PlanOptions, type QuantPlan } from './plan.js';
export { exportQdq, MIN_QDQ_OPSET, type ExportOptions } from './qdq.js';
export { exportQOperator, MS_DOMAIN } from './qoperator.js';
export {
  accumulateHistogram, chooseRange, entropyThreshold, HISTOGRAM_BINS, percentileThreshold, type CalibrationMethod,
  type RangeOptions, type TensorStats,
} from './ranges.js';
export { QUANT_RULES, ruleFor, type QuantKind, type QuantRule } from './rules.js';
export { quantizeInt8, type QuantizeInt8Options, type QuantizeInt8Report } from './pipeline.js';
export { quantizeBias, quantizeWeight, weightQmax, type QuantizedWeight, type WeightBits } from './weights.js';
export {
  chooseWeightRange, REDUCE_RANGE_CHOICES, REDUCE_RANGE_DEFAULT, type ReduceRange, type WeightRangeChoice,
} from './reduce-range.js';
