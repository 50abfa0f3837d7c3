/**
 * Compact-filter rewrites: options (`to` names the rewrite) and the report every rewrite returns.
 * A rewrite produces a new architecture from a model: the changed layers get new weights (seeded He /
 * Xavier like the zoo, or fitted to the original where the rewrite can), the rest keeps its weights.
 */
import type { Model } from '../../ir/graph.js';
import type { RawOptions } from '../options.js';

/** How the new weights of rewritten layers are initialised. */
export type RewriteInit = 'he' | 'fit';

/** Options every compact rewrite takes: layers to rewrite, seed and initialisation of the new weights. */
export interface CommonRewriteOptions {
  /**
   * Node names to rewrite (default: every eligible layer). A named layer that is not eligible is an error;
   * without names, ineligible layers are skipped and listed in the report. For `width`, names select the
   * channel groups whose layers are named.
   */
  readonly layers?: readonly string[];
  /** Seed of the new weights (default 0): the same seed gives identical weights. */
  readonly seed?: number;
  /**
   * 'he' (default): new weights drawn like the zoo's (He normal, Xavier uniform for the classifier, zero
   * biases, identity BatchNorm). 'fit': initialised from the original layer where the rewrite supports it
   * (factorize: rank-1 fit per filter; shuffle: the block-diagonal part; gap: the old linear head;
   * width: surviving / replicated channels, function-preserving when widening); others reject 'fit'.
   */
  readonly init?: RewriteInit;
}

/** Options of `rewrite`: the rewrite's name, the common options and the rewrite's own (see its `options` schema). */
export interface RewriteOptions extends CommonRewriteOptions {
  /** The rewrite's registered name: depthwise, fire, shuffle, factorize, 5x5-to-3x3, gap, width, resolution. */
  readonly to: string;
  /** The rewrite's own options by camelCase name (e.g. `{ widthMult: 0.5 }`), checked against its schema. */
  readonly options?: RawOptions;
}

/** One rewritten layer (or a set of layers replaced together, such as an fc head). */
export interface LayerChange {
  /** Nodes of the original model that were replaced or changed. */
  readonly layers: readonly string[];
  /** Nodes of the new model that took their place (the same names for layers changed in place). */
  readonly into: readonly string[];
  /** What changed, e.g. '3x3 64->128 => dw 3x3 + BN + ReLU + pw 1x1 64->128'. */
  readonly detail: string;
  readonly paramsBefore: number;
  readonly paramsAfter: number;
  readonly macsBefore: number;
  readonly macsAfter: number;
}

/** A layer (or channel group) a rewrite left as it was, with the reason. */
export interface SkippedLayer {
  readonly layer: string;
  readonly reason: string;
}

/** Parameters and multiply-accumulates (per sample) of a model. */
export interface CostTotals {
  readonly params: number;
  /** Multiply-accumulates for one sample. */
  readonly macs: number;
}

/** What `rewrite` did: the changes, the skipped layers and the costs before and after. */
export interface RewriteReport {
  readonly to: string;
  readonly changes: readonly LayerChange[];
  /** Layers (or channel groups) left as they were, with the reason. */
  readonly skipped: readonly SkippedLayer[];
  readonly before: CostTotals;
  readonly after: CostTotals;
}

/** The result of `rewrite`: the rewritten copy and its report. */
export interface RewriteResult {
  /** The rewritten model (a copy; the input model is not modified). */
  readonly model: Model;
  readonly report: RewriteReport;
}
