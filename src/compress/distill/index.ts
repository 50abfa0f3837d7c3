/** Knowledge distillation: Hinton soft targets, FitNets and attention transfer with an embedded teacher. */
export { distill } from './distill.js';
export { AT_OPTIONS, atPairs, type AtOptions, type AtValues } from './at.js';
export { FITNETS_OPTIONS, fitnetsPair, type FitnetsOptions, type FitnetsValues } from './fitnets.js';
export { KD_DEFAULTS, KD_OPTIONS, kdWeights, softTargetLr, type KdOptions } from './kd.js';
export { candidateList, pairBySpatialSize, resolveLayer, type LayerPair, type LayerRef } from './layers.js';
export { attentionMap, attentionTransferLoss, hintLoss, kdLoss, type AttentionOptions, type KdWeights } from './losses.js';
export {
  distillationMethod, distillationMethods, registerDistillMethod, type DistillOptions,
} from './methods.js';
export { addRegressor, removeRegressor, type Regressor } from './regressor.js';
export { checkCompatible, embedTeacher, prepareTeacher } from './teacher.js';
export { defineDistillMethod } from './types.js';
export type {
  DistillBaseOptions, DistillEpochStats, DistillMethod, DistillProgress, DistillResult, DistillStage,
  DistillTrainSettings, MethodDistillOptions,
} from './types.js';
