/**
 * Unstructured sensitivity analysis: magnitude-prune one layer at a time at increasing sparsities (no
 * retraining) and measure the error on a labelled subset. `autoSparsities` turns the curves into per-layer
 * sparsities whose total meets a global target of nonzero weights: starting from 0 it repeatedly advances
 * the layer whose curve adds the least error per weight removed, and interpolates the last step so the
 * total lands on the target.
 */
import type { Split } from '../../../data/types.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { evaluate } from '../../../runtime/evaluate.js';
import { prunableWeights, type PrunableOptions } from '../common/prunable.js';
import { magnitudePrune } from './magnitude.js';
import { checkSparsity } from './select.js';

/** Options of `layerSensitivity`: labelled data, samples, sparsities swept, threads. */
export interface LayerSensitivityOptions extends PrunableOptions {
  /** Labelled data; the first `limit` samples are evaluated. */
  readonly data: Split;
  /** Samples evaluated per point (default 1000). */
  readonly limit?: number;
  /** Sparsities swept per layer (default 0.1 ... 0.9, 0.95, 0.98). */
  readonly sparsities?: readonly number[];
  /** onnxruntime threads for evaluation. */
  readonly threads?: number;
  /** Called after each point. */
  readonly onPoint?: (layer: string, point: LayerPoint) => void;
}

/** One point of a layer sensitivity curve: sparsity and top-1 error. */
export interface LayerPoint {
  readonly sparsity: number;
  readonly error: number;
}

/** Error of the model as one layer's weights are magnitude-pruned alone at increasing sparsity. */
export interface LayerCurve {
  /** Weight (initializer) name: the key of per-layer sparsity maps. */
  readonly name: string;
  /** The layer node reading it. */
  readonly layer: string;
  readonly params: number;
  /** The first point is sparsity 0 (the unpruned model). */
  readonly points: readonly LayerPoint[];
}

/** The result of `layerSensitivity`: baseline error and one curve per prunable layer. */
export interface LayerSensitivityResult {
  readonly criterion: 'magnitude';
  readonly samples: number;
  readonly baselineError: number;
  readonly curves: readonly LayerCurve[];
}

/** Sparsities swept per layer by `layerSensitivity` by default: 0.1 to 0.9, 0.95, 0.98. */
export const DEFAULT_LAYER_SPARSITIES: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98];

/** Per-layer magnitude-pruning curves of `model` (see the module comment). */
export async function layerSensitivity(model: Model, o: LayerSensitivityOptions): Promise<LayerSensitivityResult> {
  const limit = Math.min(o.limit ?? 1000, o.data.count);
  const evalOpts = { limit, ...(o.threads === undefined ? {} : { threads: o.threads }) };
  const baselineError = (await evaluate(model, o.data, evalOpts)).top1Error;
  const curves: LayerCurve[] = [];
  for (const w of prunableWeights(model, o).filter((x) => x.role === 'weight')) {
    const points: LayerPoint[] = [{ sparsity: 0, error: baselineError }];
    for (const s of o.sparsities ?? DEFAULT_LAYER_SPARSITIES) {
      const pruned = magnitudePrune(model, { sparsity: { [w.name]: checkSparsity(s, w.name) }, only: [w.name] });
      const point = { sparsity: s, error: (await evaluate(pruned.model, o.data, evalOpts)).top1Error };
      points.push(point);
      o.onPoint?.(w.name, point);
    }
    curves.push({ name: w.name, layer: w.node.name, params: w.tensor.size, points });
  }
  return { criterion: 'magnitude', samples: limit, baselineError, curves };
}

/** Per-layer sparsities (by weight name) whose weighted total is `target` (fraction of all the curves' weights). */
export function autoSparsities(result: LayerSensitivityResult, target: number): Record<string, number> {
  checkSparsity(target, 'automatic per-layer target');
  const total = result.curves.reduce((a, c) => a + c.params, 0);
  const goal = target * total;
  const at = new Map(result.curves.map((c) => [c.name, 0]));
  const sparsity = (c: LayerCurve): number => c.points[at.get(c.name) as number]?.sparsity ?? 0;
  let removed = 0;
  const out = (): Record<string, number> => Object.fromEntries(result.curves.map((c) => [c.name, sparsity(c)]));
  while (removed < goal) {
    let best: { c: LayerCurve; slope: number; gain: number } | undefined;
    for (const c of result.curves) {
      const i = at.get(c.name) as number;
      const cur = c.points[i];
      const next = c.points[i + 1];
      if (cur === undefined || next === undefined) continue;
      const gain = (next.sparsity - cur.sparsity) * c.params;
      const slope = (next.error - cur.error) / gain;
      if (gain > 0 && (best === undefined || slope < best.slope)) best = { c, slope, gain };
    }
    if (best === undefined) {
      throw new SlimnetError('INVALID_ARGUMENT', `cannot reach ${(target * 100).toFixed(1)}% sparsity: every layer is at its largest swept sparsity`);
    }
    const i = at.get(best.c.name) as number;
    if (removed + best.gain >= goal) {
      const cur = best.c.points[i] as LayerPoint;
      const next = best.c.points[i + 1] as LayerPoint;
      const frac = (goal - removed) / best.gain;
      return { ...out(), [best.c.name]: cur.sparsity + frac * (next.sparsity - cur.sparsity) };
    }
    at.set(best.c.name, i + 1);
    removed += best.gain;
  }
  return out();
}
