/** Compact-filter rewrites: new architectures from a model (depthwise, Fire, shuffle, factorisations, GAP head, width / resolution). */
export type {
  CommonRewriteOptions, CostTotals, LayerChange, RewriteInit, RewriteOptions, RewriteReport, RewriteResult,
  SkippedLayer,
} from './types.js';
export {
  defineRewrite, type CompactRewrite, type RawChange, type RewriteContext, type RewriteOutcome,
} from './rule.js';
export { rewrite } from './rewrite.js';
export { compactRewrite, compactRewrites, registerRewrite } from './rewrites.js';
