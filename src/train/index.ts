/** Training: graph construction, optimizers, schedules, regularizer hooks and the worker-thread loop. */
export { decodeState, encodeState, readState, statePath, writeState, type CheckpointState } from './checkpoint.js';
export { buildEvalGraph } from './eval-graph.js';
export {
  insertActivationTransforms, insertTransforms, TransformRecorder,
  type ActivationRef, type ActivationSelector, type Clamp, type TransformContext, type TransformSelector, type ValueTransform, type WeightTransform,
} from './transforms.js';
export { adamScalars, stateSlots, validateOptimizer, type OptimizerSpec } from './optimizer.js';
export { batchNormBuffers, defaultTrainableParams } from './params.js';
export {
  bnScaleL1Term, groupLassoTerm, isBatchNormScale, isConvWeight, isLayerWeight, l1Term, l2Term,
  type LossTerm, type ParamFilter, type ParamRef, type TermContext,
} from './regularizers.js';
export {
  describeTrainSettings, resolveTrainSettings, TRAIN_DEFAULTS,
  type OptimizerKind, type TrainDefaults, type TrainSettingOptions, type TrainSettings,
} from './defaults.js';
export {
  formatSchedule, learningRate, parseSchedule, validateSchedule, type BaseSchedule, type Schedule, type WarmUp,
} from './schedule.js';
export { inferenceWithTransforms, optimizerSpec, prepareTraining, train } from './trainer.js';
export {
  buildTrainingGraph, selectTrainable,
  type BufferSlot, type LossBuilder, type LossContext, type ParamSlot, type StateSlot, type TrainingGraph, type TrainingGraphInfo,
  type TrainingGraphOptions,
} from './training-graph.js';
export type { EpochStats, TrainHooks, TrainOptions, TrainProgress, TrainResult } from './types.js';
