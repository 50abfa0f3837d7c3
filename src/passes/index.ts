/**
 * Graph passes and the graph toolkit every family uses: shape inference and specialisation, dead-code
 * elimination, constant and BatchNormalization folding, conv / fc geometry, the class count of a classifier.
 */
export { inferShapes, inferShapesPass, type InferShapesOptions } from './infer-shapes.js';
export { runPasses, type Pass, type PassResult } from './pass.js';
export { outputClassCount } from './class-count.js';
export { foldConstants, foldConstantsPass } from './constant-folding.js';
export { eliminateDeadCode, eliminateDeadCodeInGraph, eliminateDeadCodePass } from './dead-code.js';
export {
  batchNormAffine, foldBatchNorm, foldBatchNormPass, type BatchNormAffine, type FoldBatchNormResult,
} from './fold-batchnorm.js';
export { FOLD_RULES, type FoldContext, type FoldEntry, type FoldRule } from './fold-rules.js';
export {
  convGeometry, convMacs, convOutputSize, fcGeometry, type ConvGeometry, type ConvWindow, type FcGeometry,
} from './layer-geometry.js';
export {
  batchInputShapes, numericShape, specializeShapes, specializeShapesPass, staticShapes, type SpecializeShapesOptions,
  type StaticShapeOf,
} from './specialize-shapes.js';
