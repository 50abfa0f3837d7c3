/**
 * Sparsity bookkeeping shared by pruning methods: 0/1 masks by parameter name, applying them (exact +0),
 * masks from the zeros a model already has, and per-layer / total statistics.
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { modelStats } from '../../../metrics/layer-stats.js';
import { prunableWeights, type PrunableOptions } from './prunable.js';

/** 0/1 masks by parameter name (the form `train()`'s hooks.masks takes). */
export type Masks = Record<string, Float32Array>;

/** Sparsity of one prunable tensor: parameters, non-zeros and the fraction of zeros. */
export interface LayerSparsity {
  /** Parameter (initializer) name. */
  readonly name: string;
  /** The layer node reading it. */
  readonly layer: string;
  readonly op: string;
  readonly params: number;
  readonly nonzero: number;
  /** Fraction of zero entries, in [0, 1]. */
  readonly sparsity: number;
}

/**
 * Sparsity of a model (`sparsityStats`): per prunable tensor and in total, with the compression rate params / nonzero.
 */
export interface SparsityStats {
  /** One row per prunable tensor, in graph order. */
  readonly layers: readonly LayerSparsity[];
  /** Totals over the prunable tensors. */
  readonly params: number;
  readonly nonzero: number;
  readonly sparsity: number;
  /** params / nonzero over the prunable tensors (Han et al.'s compression rate). */
  readonly ratio: number;
  /** Every parameter of the model (biases, BatchNorm...), as metrics/modelStats counts them. */
  readonly modelParams: number;
  readonly modelNonzero: number;
  /** modelParams / modelNonzero. */
  readonly modelRatio: number;
}

/** Per-layer and total sparsity of the prunable tensors (weights; biases too with includeBiases). */
export function sparsityStats(model: Model, opts: PrunableOptions = {}): SparsityStats {
  const layers = prunableWeights(model, opts).map((w): LayerSparsity => {
    const d = w.tensor.data as Float32Array;
    let nonzero = 0;
    for (let i = 0; i < d.length; i++) if (d[i] !== 0) nonzero++;
    return { name: w.name, layer: w.node.name, op: w.node.opType, params: d.length, nonzero, sparsity: d.length === 0 ? 0 : 1 - nonzero / d.length };
  });
  const params = layers.reduce((a, l) => a + l.params, 0);
  const nonzero = layers.reduce((a, l) => a + l.nonzero, 0);
  const m = modelStats(model);
  return {
    layers, params, nonzero, sparsity: params === 0 ? 0 : 1 - nonzero / params, ratio: params / Math.max(1, nonzero),
    modelParams: m.params, modelNonzero: m.nonzeroParams, modelRatio: m.params / Math.max(1, m.nonzeroParams),
  };
}

/** Sets masked entries of each named initializer to +0 (in place). Throws on unknown names or sizes. */
export function applyMasks(model: Model, masks: Readonly<Masks>): void {
  for (const [name, mask] of Object.entries(masks)) {
    const t = model.graph.initializers.get(name)?.initializer;
    if (t === undefined || !(t.data instanceof Float32Array)) {
      throw new SlimnetError('INVALID_ARGUMENT', `mask for '${name}': no float32 initializer of that name in model '${model.graph.name}'`);
    }
    if (t.data.length !== mask.length) {
      throw new SlimnetError('INVALID_ARGUMENT', `mask for '${name}' has ${mask.length} entries, the tensor ${t.data.length}`);
    }
    const d = t.data;
    for (let i = 0; i < d.length; i++) if (mask[i] === 0) d[i] = 0;
  }
}

/** Masks marking the nonzero entries of each prunable tensor (to keep a pruned model's zeros while fine-tuning). */
export function masksFromZeros(model: Model, opts: PrunableOptions = {}): Masks {
  const out: Masks = {};
  for (const w of prunableWeights(model, opts)) {
    const d = w.tensor.data as Float32Array;
    out[w.name] = Float32Array.from(d, (x) => (x === 0 ? 0 : 1));
  }
  return out;
}
