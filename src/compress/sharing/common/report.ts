/** The report every weight-sharing rewrite returns, and the parameter counts it is built from. */
import type { Model } from '../../../ir/graph.js';
import { modelStats } from '../../../metrics/layer-stats.js';
import type { EpochStats } from '../../../train/types.js';

/** One shared layer: its size, dense weights, the free parameters replacing them and the ratio. */
export interface SharedLayerReport {
  /** The Gemm / MatMul node. */
  readonly node: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** Dense weights of the layer (in × out). */
  readonly denseParams: number;
  /** Free parameters that replace them (buckets, circulant vector). */
  readonly params: number;
  /** denseParams / params. */
  readonly ratio: number;
  /** Method-specific description ("K = 29400", "d = 1024, fft"). */
  readonly detail: string;
}

/** What a weight-sharing method did: per layer and whole-model parameter counts, ratio, and training history. */
export interface SharingReport {
  readonly method: 'hashed' | 'circulant';
  readonly layers: readonly SharedLayerReport[];
  /** Parameters of the whole model (metrics' count: weights, biases, buckets...) before and after. */
  readonly paramsBefore: number;
  readonly paramsAfter: number;
  /** paramsBefore / paramsAfter. */
  readonly ratio: number;
  /** Training epochs run after the rewrite (absent when it did not train). */
  readonly history?: readonly EpochStats[];
  /** Test error after training (absent when it did not train or did not validate). */
  readonly testError?: number;
}

/** Builds the report row of one shared layer (ratio = in × out / params). */
export function layerReport(node: string, inFeatures: number, outFeatures: number, params: number, detail: string): SharedLayerReport {
  const denseParams = inFeatures * outFeatures;
  return { node, inFeatures, outFeatures, denseParams, params, ratio: denseParams / params, detail };
}

/** Parameters of a model as metrics counts them. */
export function paramCount(model: Model): number {
  return modelStats(model).params;
}

/**
 * Builds a method's report: whole-model parameter counts before and after, the layer rows and the last test error of
 * the training history.
 */
export function sharingReport(
  method: SharingReport['method'], before: Model, after: Model, layers: readonly SharedLayerReport[], history?: readonly EpochStats[],
): SharingReport {
  const paramsBefore = paramCount(before);
  const paramsAfter = paramCount(after);
  const last = history?.[history.length - 1];
  return {
    method, layers, paramsBefore, paramsAfter, ratio: paramsBefore / paramsAfter,
    ...(history === undefined ? {} : { history }),
    ...(last === undefined || Number.isNaN(last.testError) ? {} : { testError: last.testError }),
  };
}
