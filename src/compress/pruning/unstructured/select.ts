/**
 * Turning importance scores into masks: the k lowest-scored entries of each layer ('layer' scope, per-layer
 * k) or of all layers together ('global' scope, one threshold). Ties at the threshold are pruned in index
 * order so exactly k entries go. Entries already masked out by `previous` stay pruned (score −∞).
 */
import { SlimnetError } from '../../../ir/errors.js';
import { perLayer, type PrunableWeight } from '../common/prunable.js';
import type { Masks } from '../common/sparsity.js';
import type { SparsityTarget } from './types.js';

/** A prunable weight with one importance score per entry. */
export interface ScoredWeight {
  readonly weight: PrunableWeight;
  /** One importance score per entry (lower = pruned first). */
  readonly scores: Float32Array | Float64Array;
}

/** Options of `masksFromScores`: target sparsity, threshold scope and earlier masks. */
export interface SelectOptions {
  /** Target sparsity: uniform, or per layer (layers absent from the map keep their current zeros only). */
  readonly sparsity: SparsityTarget;
  /** 'layer' (default): each layer reaches its sparsity; 'global': one threshold across layers. */
  readonly scope?: 'layer' | 'global';
  /** Masks of a previous pruning step: their zeros stay pruned. */
  readonly previous?: Readonly<Masks>;
}

export function checkSparsity(s: number, what: string): number {
  if (!(s >= 0 && s < 1)) throw new SlimnetError('INVALID_ARGUMENT', `${what}: sparsity must be in [0, 1), got ${s}`);
  return s;
}

/** The k-th smallest value (k >= 1) of `v`. */
export function kthSmallest(v: Float64Array, k: number): number {
  const sorted = Float64Array.from(v).sort();
  return sorted[Math.min(sorted.length, Math.max(1, k)) - 1] as number;
}

function withPrevious(s: ScoredWeight, previous: Readonly<Masks> | undefined): Float64Array {
  const out = Float64Array.from(s.scores);
  const m = previous?.[s.weight.name];
  if (m !== undefined) for (let i = 0; i < out.length; i++) if (m[i] === 0) out[i] = -Infinity;
  return out;
}

/** Prunes the `k` smallest of the concatenated scores; returns one 0/1 mask per part. */
function lowestK(parts: readonly Float64Array[], k: number): Float32Array[] {
  const total = parts.reduce((a, p) => a + p.length, 0);
  const masks = parts.map((p) => new Float32Array(p.length).fill(1));
  if (k <= 0 || total === 0) return masks;
  const all = new Float64Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  const t = kthSmallest(all, k);
  let left = k;
  parts.forEach((p, j) => {
    const m = masks[j] as Float32Array;
    for (let i = 0; i < p.length; i++) if ((p[i] as number) < t) { m[i] = 0; left--; }
  });
  parts.forEach((p, j) => {
    const m = masks[j] as Float32Array;
    for (let i = 0; i < p.length && left > 0; i++) if (p[i] === t) { m[i] = 0; left--; }
  });
  return masks;
}

/** Masks keeping the highest-scored entries at the requested sparsity. */
export function masksFromScores(scored: readonly ScoredWeight[], opts: SelectOptions): Masks {
  const out: Masks = {};
  const scores = scored.map((s) => withPrevious(s, opts.previous));
  if ((opts.scope ?? 'layer') === 'global') {
    if (typeof opts.sparsity !== 'number') throw new SlimnetError('INVALID_ARGUMENT', 'global pruning takes one sparsity, not a per-layer map');
    const total = scores.reduce((a, p) => a + p.length, 0);
    const masks = lowestK(scores, Math.round(checkSparsity(opts.sparsity, 'global') * total));
    scored.forEach((s, j) => (out[s.weight.name] = masks[j] as Float32Array));
    return out;
  }
  scored.forEach((s, j) => {
    const p = scores[j] as Float64Array;
    const target = typeof opts.sparsity === 'number' ? opts.sparsity : perLayer(opts.sparsity, s.weight);
    const already = p.reduce((a, x) => a + (x === -Infinity ? 1 : 0), 0);
    const k = target === undefined ? already : Math.max(already, Math.round(checkSparsity(target, s.weight.name) * p.length));
    out[s.weight.name] = lowestK([p], k)[0] as Float32Array;
  });
  return out;
}
