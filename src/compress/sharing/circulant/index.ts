/** Circulant fully-connected layers: FFT (ONNX DFT) and dense forms, projection init, end-to-end training. */
export { circulant, circulantLayers, type CirculantOptions, type CirculantResult } from './circulant.js';
export { emitCirculantIndex } from './emit-dense.js';
export { emitFftLayer, halfSpectrumWeights, type FftLayerSpec } from './emit-fft.js';
export {
  applyCirculant, CIRCULANT_METADATA_KEY, circulantForm, circulantModeOf, readCirculantLayers, readVector,
  type CirculantLayer, type CirculantMode,
} from './layers.js';
export { circulantApply, circulantIndex, circulantSigns, circulantSize, type CirculantSize } from './structure.js';
