/** Small quantization helpers shared by int8 / k-means / fixed-point quantizers. */
export {
  computeQParams, dequantizeValue, f32, fakeQuantizeValue, qRange, quantizeArray, quantizeValue, roundHalfEven, sqnrDb,
  type QParams, type QuantType,
} from './qparams.js';
