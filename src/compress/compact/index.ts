/** Compact-filter rewrites: new architectures from a model (depthwise, Fire, shuffle, factorisations, GAP head, width / resolution). */
export type {
  CommonRewriteOptions, CostTotals, DepthwiseOptions, FactorizeOptions, FireOptions, FiveToThreeOptions, GapOptions, LayerChange,
  ResolutionOptions, RewriteInit, RewriteName, RewriteOptions, RewriteReport, RewriteResult, ShuffleOptions, SkippedLayer, WidthOptions,
} from './types.js';
export type { CompactRewrite, RawChange, RewriteContext, RewriteOutcome } from './rule.js';
export { rewrite } from './rewrite.js';
export { isRewriteName, REWRITE_NAMES, REWRITES } from './rewrites.js';
