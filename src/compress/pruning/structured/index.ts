/** Structured (channel) pruning: dependency groups, importance criteria, per-op rules, policy, pipeline. */
export type { BlockReason, ChannelGroup, DependencyGraph, GroupValue, ParamSlice, RemovalPlan, SliceRole } from './types.js';
export type { ChannelRule, FinishContext, PropagateContext } from './rule-types.js';
export { CHANNEL_RULES } from './channel-rules.js';
export { buildDependencyGraph, type DependencyOptions } from './dependency.js';
export { checkPlan, pruneChannels, resizeChannels, type ResizedSlice } from './prune.js';
export type { Importance, ScoreContext } from './importance/types.js';
export { bnScaleImportance, magnitudeImportance, type MagnitudeOptions } from './importance/magnitude.js';
export { apozImportance } from './importance/apoz.js';
export { taylorImportance } from './importance/taylor.js';
export { ThiNetImportance, type ThiNetOptions } from './importance/thinet.js';
export { channelGroupLassoTerm, sparsityTrain, sslImportance, type SparsityTrainOptions } from './sparsity.js';
export {
  defineCriterion, isCriterion, registerCriterion, structuredCriteria, structuredCriterion, type PrepareContext,
  type StructuredCriterion,
} from './criteria.js';
export { planRemoval, type PolicyOptions } from './policy.js';
export {
  autoRatios, DEFAULT_SENSITIVITY_RATIOS, sensitivity, type AutoRatioTarget, type SensitivityCurve, type SensitivityOptions,
  type SensitivityPoint, type SensitivityResult,
} from './sensitivity.js';
export {
  structuredPrune, type CostSummary, type GroupReport, type PruneTarget, type StructuredPruneOptions, type StructuredPruneResult,
} from './pipeline.js';
