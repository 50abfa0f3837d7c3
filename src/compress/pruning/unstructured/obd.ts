/**
 * Optimal Brain Damage (LeCun et al. 1990): saliency s_i = ½ h_ii w_i², with the Hessian diagonal h_ii
 * approximated by the Fisher / Gauss-Newton diagonal measured on data (fisher.ts). Weights of lowest
 * saliency go, globally across layers by default (saliency is a loss change, comparable between layers).
 */
import type { Split } from '../../../data/types.js';
import type { Model } from '../../../ir/graph.js';
import { prunableWeights, type PrunableOptions } from '../common/prunable.js';
import { applyMasks, sparsityStats, type Masks } from '../common/sparsity.js';
import { fisherDiagonal, type FisherOptions } from './fisher.js';
import { masksFromScores } from './select.js';
import type { PruneResult, SparsityTarget } from './types.js';

/** Options of `obdPrune`: target sparsity, threshold scope, earlier masks, and the Fisher estimate's settings. */
export interface ObdOptions extends PrunableOptions, FisherOptions {
  /** Target sparsity (uniform or per layer). */
  readonly sparsity: SparsityTarget;
  /** 'global' (default for a uniform target) or 'layer' (default for a per-layer map). */
  readonly scope?: 'layer' | 'global';
  /** Masks of an earlier step whose zeros stay pruned. */
  readonly previous?: Readonly<Masks>;
}

/** ½ h w² per weight, by parameter name. */
export function obdSaliency(weights: ReadonlyMap<string, Float32Array>, hessianDiag: ReadonlyMap<string, Float64Array>): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const [name, w] of weights) {
    const h = hessianDiag.get(name);
    out.set(name, Float64Array.from(w, (x, i) => 0.5 * (h?.[i] ?? 0) * x * x));
  }
  return out;
}

/** OBD on a copy of `model`, with the curvature measured on `data` (usually the training split). */
export async function obdPrune(model: Model, data: Split, o: ObdOptions): Promise<PruneResult> {
  const m = model.clone();
  const weights = prunableWeights(m, o);
  const h = await fisherDiagonal(m, weights.map((w) => w.name), data, o);
  const sal = obdSaliency(new Map(weights.map((w) => [w.name, w.tensor.data as Float32Array])), h);
  const masks = masksFromScores(weights.map((w) => ({ weight: w, scores: sal.get(w.name) as Float64Array })), {
    sparsity: o.sparsity, scope: o.scope ?? (typeof o.sparsity === 'number' ? 'global' : 'layer'), ...(o.previous === undefined ? {} : { previous: o.previous }),
  });
  applyMasks(m, masks);
  return { model: m, masks, stats: sparsityStats(m, o) };
}
