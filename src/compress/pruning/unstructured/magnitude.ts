/**
 * Magnitude pruning (Han et al. 2015): remove the weights of smallest |w|.
 *  - quality mode: per-layer threshold = quality × std(layer weights); weights with |w| < threshold go;
 *  - sparsity mode, layer scope: each layer loses its fraction of smallest |w|;
 *  - sparsity mode, global scope: one threshold across layers (optionally on |w| / std(layer), so layers
 *    of different scale are compared fairly).
 * Biases are not pruned unless `includeBiases`.
 */
import { SlimnetError } from '../../../ir/errors.js';
import { assertFiniteTensors } from '../../../ir/finite.js';
import type { Model } from '../../../ir/graph.js';
import { perLayer, prunableWeights, type PrunableOptions, type PrunableWeight } from '../common/prunable.js';
import { applyMasks, sparsityStats, type Masks } from '../common/sparsity.js';
import { masksFromScores, type ScoredWeight } from './select.js';
import type { PruneResult, SparsityTarget } from './types.js';

/** Options of `magnitudePrune`: Han's quality threshold or a target sparsity, and its scope. */
export interface MagnitudeOptions extends PrunableOptions {
  /**
   * Han et al.'s quality parameter: threshold = quality × std of the layer's weights (uniform, or per layer
   * by initializer / node name; layers absent from a map are not pruned). Exclusive with `sparsity`.
   */
  readonly quality?: number | Readonly<Record<string, number>>;
  /** Target fraction of zero weights (uniform or per layer). Exclusive with `quality`. */
  readonly sparsity?: SparsityTarget;
  /** Sparsity mode: 'layer' (default, each layer hits its target) or 'global' (one threshold across layers). */
  readonly scope?: 'layer' | 'global';
  /** Global scope: compare |w| / std(layer) instead of |w| (default false). */
  readonly normalizeByStd?: boolean;
  /** Masks of an earlier pruning step whose zeros must stay pruned. */
  readonly previous?: Readonly<Masks>;
}

/** Standard deviation of a tensor's entries (population std, mean included). */
export function stdOf(d: Float32Array): number {
  let s = 0;
  for (const x of d) s += x;
  const mean = s / Math.max(1, d.length);
  let v = 0;
  for (const x of d) v += (x - mean) * (x - mean);
  return Math.sqrt(v / Math.max(1, d.length));
}

/**
 * 0/1 masks of magnitude pruning over the given weights (no model copy). NaN / Inf in a weight is a MODEL_INVALID
 * error: |NaN| compares false with every threshold, so it would survive any sparsity.
 */
export function magnitudeMasks(weights: readonly PrunableWeight[], opts: MagnitudeOptions): Masks {
  assertFiniteTensors(weights.map((w) => [w.name, w.tensor] as const), 'prunable weights', 'magnitude pruning');
  if ((opts.quality === undefined) === (opts.sparsity === undefined)) {
    throw new SlimnetError('INVALID_ARGUMENT', 'magnitude pruning needs exactly one of quality or sparsity');
  }
  if (opts.quality !== undefined) {
    const out: Masks = {};
    for (const w of weights) {
      const d = w.tensor.data as Float32Array;
      const q = typeof opts.quality === 'number' ? opts.quality : perLayer(opts.quality, w);
      const prev = opts.previous?.[w.name];
      if (q !== undefined && !(q >= 0)) throw new SlimnetError('INVALID_ARGUMENT', `quality for '${w.name}' must be >= 0, got ${q}`);
      const t = q === undefined ? 0 : q * stdOf(d);
      out[w.name] = Float32Array.from(d, (x, i) => (Math.abs(x) < t || x === 0 || prev?.[i] === 0 ? 0 : 1));
    }
    return out;
  }
  const norm = opts.scope === 'global' && opts.normalizeByStd === true;
  const scored: ScoredWeight[] = weights.map((w) => {
    const d = w.tensor.data as Float32Array;
    const s = norm ? 1 / (stdOf(d) || 1) : 1;
    return { weight: w, scores: Float64Array.from(d, (x) => Math.abs(x) * s) };
  });
  return masksFromScores(scored, {
    sparsity: opts.sparsity as SparsityTarget,
    ...(opts.scope === undefined ? {} : { scope: opts.scope }),
    ...(opts.previous === undefined ? {} : { previous: opts.previous }),
  });
}

/** Magnitude-prunes a copy of `model`: exact zeros, masks and sparsity statistics. */
export function magnitudePrune(model: Model, opts: MagnitudeOptions): PruneResult {
  const m = model.clone();
  const masks = magnitudeMasks(prunableWeights(m, opts), opts);
  applyMasks(m, masks);
  return { model: m, masks, stats: sparsityStats(m, opts) };
}
