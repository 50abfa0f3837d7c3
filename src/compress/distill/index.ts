/** Knowledge distillation: Hinton soft targets, FitNets and attention transfer with an embedded teacher. */
export { distill } from './distill.js';
export { atPairs, type AtOptions } from './at.js';
export { fitnetsPair, type FitnetsOptions } from './fitnets.js';
export { KD_DEFAULTS, kdWeights, softTargetLr, type KdOptions } from './kd.js';
export { candidateList, pairBySpatialSize, resolveLayer, type LayerPair, type LayerRef } from './layers.js';
export { attentionMap, attentionTransferLoss, hintLoss, kdLoss, type AttentionOptions, type KdWeights } from './losses.js';
export { DISTILL_METHOD_NAMES, distillMethods, type DistillMethod, type DistillMethodName, type DistillOptions } from './methods.js';
export { addRegressor, removeRegressor, type Regressor } from './regressor.js';
export { checkCompatible, embedTeacher, prepareTeacher } from './teacher.js';
export type { DistillBaseOptions, DistillEpochStats, DistillProgress, DistillResult, DistillStage, DistillTrainSettings } from './types.js';
