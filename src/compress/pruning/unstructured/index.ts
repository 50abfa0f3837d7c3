/** Unstructured (weight-level) pruning: methods, schedules, the method registry and the prune → retrain pipeline. */
export { dataFreePrune, mergeUnits, type DataFreeOptions, type DataFreeResult, type MergedLayer } from './data-free.js';
export { fisherDiagonal, type FisherBatch, type FisherOptions } from './fisher.js';
export { buildGradientGraph, crossEntropyLoss, type GradientGraph, type GradientLoss } from './gradient-graph.js';
export { layerInputMoments, type InputMoments, type MomentOptions } from './layer-inputs.js';
export { fcLayout, lobsPrune, obsPruneLayer, obsReconstruct, type FcLayout, type LobsOptions } from './lobs.js';
export { magnitudeMasks, magnitudePrune, stdOf, type MagnitudeOptions } from './magnitude.js';
export {
  defaultScope, defineUnstructuredMethod, effectiveMethodOptions, registerUnstructuredMethod, unstructuredMethod,
  unstructuredMethods, type MethodContext, type StepContext, type UnstructuredMethod,
} from './methods.js';
export { obdPrune, obdSaliency, type ObdOptions } from './obd.js';
export { pruneAndRetrain, type PruneAndRetrainOptions, type PruneAndRetrainResult } from './pipeline.js';
export { regularizedPrune, type RegularizedOptions } from './regularized.js';
export {
  agpPrune, DIVERGENCE_RETRIES, finetune, iterativePrune, magnitudeStep, type AgpOptions, type CycleAction,
  type FinetuneExtra, type IterativeOptions, type PruneStep,
} from './retrain.js';
export {
  autoSparsities, DEFAULT_LAYER_SPARSITIES, layerSensitivity, type LayerCurve, type LayerPoint, type LayerSensitivityOptions, type LayerSensitivityResult,
} from './sensitivity.js';
export { agpSparsity, iterativeSparsities, type AgpSchedule } from './schedule.js';
export { kthSmallest, masksFromScores, type ScoredWeight, type SelectOptions } from './select.js';
export type { PruneResult, RetrainOptions, SparsityTarget } from './types.js';
