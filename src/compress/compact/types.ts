/**
 * Compact-filter rewrites: options (a union tagged by `to`) and the report every rewrite returns.
 * A rewrite produces a new architecture from a model: the changed layers get new weights (seeded He /
 * Xavier like the zoo, or fitted to the original where the rewrite can), the rest keeps its weights.
 */
import type { Model } from '../../ir/graph.js';

/** The rewrites, by CLI / option name. */
export type RewriteName = 'depthwise' | 'fire' | 'shuffle' | 'factorize' | '5x5-to-3x3' | 'gap' | 'width' | 'resolution';

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

/** k×k conv → depthwise k×k (+ BatchNorm + ReLU) → pointwise 1×1 (MobileNet). */
export interface DepthwiseOptions extends CommonRewriteOptions {
  readonly to: 'depthwise';
  /** BatchNorm + ReLU between the depthwise and pointwise convs, as in MobileNet (default true). */
  readonly activation?: boolean;
}

/** conv → Fire module: squeeze 1×1 + ReLU, then expand 1×1 ∥ expand 3×3, concatenated (SqueezeNet). */
export interface FireOptions extends CommonRewriteOptions {
  readonly to: 'fire';
  /** Squeeze channels as a fraction of the output channels (default 0.125, SqueezeNet's SR). */
  readonly squeezeRatio?: number;
  /** Fraction of the output channels made by the 3×3 expand (default 0.5). */
  readonly expand3x3Ratio?: number;
}

/** conv → grouped conv + channel shuffle (ShuffleNet). */
export interface ShuffleOptions extends CommonRewriteOptions {
  readonly to: 'shuffle';
  /** Groups (default 4); layers whose channel counts it does not divide are skipped. */
  readonly groups?: number;
}

/** k×k conv → 1×k conv → k×1 conv (spatial factorisation). */
export interface FactorizeOptions extends CommonRewriteOptions {
  readonly to: 'factorize';
  /** Channels between the two convs (default: the output channels; 'fit' needs the default). */
  readonly midChannels?: number;
}

/** 5×5 (any odd k ≥ 5) conv → (k−1)/2 stacked 3×3 convs with ReLU between (VGG / Inception). */
export interface FiveToThreeOptions extends CommonRewriteOptions {
  readonly to: '5x5-to-3x3';
  /** Channels of the intermediate 3×3 convs (default: the output channels). */
  readonly midChannels?: number;
  /** ReLU between the 3×3 convs (default true). */
  readonly relu?: boolean;
}

/** Fully connected head → global average pooling (NIN / VGG-GAP). */
export interface GapOptions extends CommonRewriteOptions {
  readonly to: 'gap';
  /**
   * 'conv' (default): a 1×1 conv to `classes` channels, then GlobalAveragePool (NIN);
   * 'fc': GlobalAveragePool, then one fc layer.
   */
  readonly head?: 'conv' | 'fc';
}

/** Width multiplier: every coupled channel group scaled alike (structured-pruning dependency groups). */
export interface WidthOptions extends CommonRewriteOptions {
  readonly to: 'width';
  /** Channel multiplier (> 0; above 1 widens). */
  readonly multiplier: number;
  /** Round each new channel count to a multiple of this (default 1). */
  readonly divisor?: number;
}

/** Resolution multiplier: a new input size, and everything downstream (flatten → fc sizes) adapted. */
export interface ResolutionOptions extends CommonRewriteOptions {
  readonly to: 'resolution';
  /** New spatial input size [H, W]; or give `multiplier`. */
  readonly size?: readonly [number, number];
  /** Scale of the input's height and width (rounded). */
  readonly multiplier?: number;
}

/** Options of `rewrite`: one variant per rewrite, selected by `to`. */
export type RewriteOptions =
  | DepthwiseOptions | FireOptions | ShuffleOptions | FactorizeOptions | FiveToThreeOptions | GapOptions | WidthOptions | ResolutionOptions;

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
  readonly to: RewriteName;
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
