/** Fixed point and dynamic fixed point quantization (Gupta 2015, Ristretto): PTQ and STE fine-tuning. */
export { checkBits, FIXED_BITS, fracLength, integerLength, intRange, maxAbs, quantizeFixed, roundHalfEven, type FixedFormat, type FixedRounding } from './fixed-point.js';
export { addFakeQuant, fixedWeightTransform, ROUND_STE, type FakeQuantOptions } from './fake-quant.js';
export { activationPoints, activationRanges } from './calibrate.js';
export {
  fixedPointQuantize, formatsFor, insertActivationQuant, quantizeWeightsInPlace, weightFormats,
  type FixedPointOptions, type FixedPointResult,
} from './quantize.js';
export { finetuneFixedPoint, type FixedFinetuneOptions, type FixedFinetuneResult } from './finetune.js';
