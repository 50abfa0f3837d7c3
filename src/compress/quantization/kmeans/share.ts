/**
 * kmeansShare: per-layer weight sharing (Deep Compression §3). Each Conv / Gemm / MatMul weight gets a
 * codebook of 2^bits centroids (k-means over its nonzero entries) and every nonzero weight is replaced by
 * its centroid; pruned zeros stay exact zeros. Bits default to the paper's 8 for conv and 5 for fc layers.
 */
import { SlimnetError } from '../../../ir/errors.js';
import { assertFiniteTensors } from '../../../ir/finite.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { perLayer, prunableWeights, type PrunableOptions } from '../../pruning/common/prunable.js';
import { kmeans1d, type KmeansInit } from './kmeans1d.js';

/** Bits per layer kind. */
export interface KindBits {
  readonly conv?: number;
  readonly fc?: number;
}

/**
 * Options of `kmeansShare`: bits per index (per kind or per layer), centroid initialisation, Lloyd iterations and seed.
 */
export interface KmeansShareOptions extends PrunableOptions {
  /** Bits per weight index: one number for every layer, or per kind (default { conv: 8, fc: 5 }). */
  readonly bits?: number | KindBits;
  /** Overrides by initializer or layer-node name. */
  readonly perLayerBits?: Readonly<Record<string, number>>;
  /** Centroid initialisation (default 'linear'). */
  readonly init?: KmeansInit;
  /** Lloyd iterations (default 50). */
  readonly iterations?: number;
  /** Seed of 'random' initialisation (default 0). */
  readonly seed?: number;
}

/** One shared layer: dense weight = codebook[indices] with -1 meaning an exact zero. */
export interface SharedLayer {
  /** Weight initializer name. */
  readonly name: string;
  readonly kind: 'conv' | 'fc';
  readonly bits: number;
  readonly dims: readonly number[];
  /** 2^bits centroids (float32, ascending after clustering; fine-tuning may reorder). */
  readonly codebook: Float32Array;
  /** Cluster index per weight element, -1 where the weight is an exact (pruned) zero. */
  readonly indices: Int32Array;
}

/** The result of `kmeansShare`: the model with shared weights and, per layer, its centroids and indices. */
export interface KmeansShareResult {
  /** A copy of the model whose shared weights hold their centroids (at most 2^bits distinct nonzeros per layer). */
  readonly model: Model;
  readonly layers: readonly SharedLayer[];
}

export const DEFAULT_BITS: Required<KindBits> = { conv: 8, fc: 5 };

function bitsFor(opts: KmeansShareOptions, kind: 'conv' | 'fc', override: number | undefined): number {
  const b = override ?? (typeof opts.bits === 'number' ? opts.bits : (opts.bits?.[kind] ?? DEFAULT_BITS[kind]));
  if (!Number.isInteger(b) || b < 1 || b > 16) throw new SlimnetError('INVALID_ARGUMENT', `k-means bits must be an integer in [1, 16], got ${b}`);
  return b;
}

/** The dense float32 weight of a shared layer. */
export function materialize(layer: Pick<SharedLayer, 'codebook' | 'indices'>): Float32Array {
  const out = new Float32Array(layer.indices.length);
  const cb = layer.codebook;
  for (let i = 0; i < out.length; i++) {
    const j = layer.indices[i] as number;
    out[i] = j < 0 ? 0 : (cb[j] as number);
  }
  return out;
}

/** Writes each shared layer's materialised weight into `model` (in place). */
export function applyShared(model: Model, layers: readonly SharedLayer[]): void {
  for (const l of layers) {
    const v = model.graph.initializers.get(l.name);
    if (v === undefined) throw new SlimnetError('INVALID_ARGUMENT', `shared layer '${l.name}' is not an initializer of the model`);
    v.initializer = new Tensor('float32', l.dims, materialize(l));
  }
}

/** k-means weight sharing of a copy of `model`; NaN / Inf in a shared weight is a MODEL_INVALID error. */
export function kmeansShare(model: Model, opts: KmeansShareOptions = {}): KmeansShareResult {
  const m = model.clone();
  const layers: SharedLayer[] = [];
  const weights = prunableWeights(m, { ...opts, includeBiases: false });
  const tensors = weights.map((w) => [w.name, w.tensor] as const);
  assertFiniteTensors(tensors, `model '${model.graph.name}'`, 'k-means sharing');
  for (const w of weights) {
    const bits = bitsFor(opts, w.kind, perLayer(opts.perLayerBits, w));
    const data = w.tensor.data as Float32Array;
    const r = kmeans1d(data, {
      k: 2 ** bits,
      ...(opts.init === undefined ? {} : { init: opts.init }),
      ...(opts.iterations === undefined ? {} : { iterations: opts.iterations }),
      ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    });
    layers.push({ name: w.name, kind: w.kind, bits, dims: [...w.tensor.dims], codebook: r.centroids, indices: r.assignment });
  }
  applyShared(m, layers);
  return { model: m, layers };
}
