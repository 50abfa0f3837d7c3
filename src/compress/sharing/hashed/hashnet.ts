/**
 * hashNet(model, opts): HashedNets (Chen et al. 2015). Every selected fully-connected weight becomes
 * W[e] = ξ(e) · buckets[h(e)] with K = ceil(weights / factor) buckets per layer; the buckets start as the
 * least-squares fit of the current weights ('mean') or random ('random', for training from scratch), and
 * are optionally trained end to end (bucket gradient = sum of its weights' signed gradients, by autodiff
 * of the Gather). Returns the hashed ONNX model and a report.
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { Rng } from '../../../util/rng.js';
import { fcLayers, type FcLayer } from '../common/fc-layers.js';
import { layerReport, sharingReport, type SharingReport } from '../common/report.js';
import { projectMean } from '../common/signed-table.js';
import { trainShared, type SharingTrainOptions } from '../common/train-shared.js';
import { hashCoefficients } from './hash.js';
import { applyHashing, bucketName, layerIndex, readBuckets, type HashedLayer } from './layers.js';

/**
 * Options of `hashNet`: compression factor (global or per layer), layers, bucket initialisation, seed and optional
 * training.
 */
export interface HashNetOptions {
  /** Compression factor of every selected layer's weight: K = ceil(weights / factor) (default 8). */
  readonly factor?: number;
  /** Per-layer factors by node or weight name; they override `factor`. */
  readonly factors?: Readonly<Record<string, number>>;
  /** Only these layers (node or weight names; default every Gemm / MatMul with an initializer weight). */
  readonly only?: readonly string[];
  /** Leave these layers dense. */
  readonly exclude?: readonly string[];
  /** Bucket start values: 'mean' of the weights hashing to each bucket (default) or 'random' N(0, std(W)). */
  readonly init?: 'mean' | 'random';
  /** Seed of the hash coefficients and random init (default 0). */
  readonly seed?: number;
  /**
   * How the exported graph gets its indices: 'hash' (default) recomputes them from 11 int64 constants per
   * layer (onnxruntime folds this at load); 'stored' keeps an int32 index initializer, as large as the
   * dense weight itself (for comparison only).
   */
  readonly index?: 'hash' | 'stored';
  /** Train the hashed model end to end after the rewrite (omit for the rewrite alone). */
  readonly train?: SharingTrainOptions;
}

/** The result of `hashNet`: the hashed (and possibly trained) model, its hashed layers and the sharing report. */
export interface HashNetResult {
  readonly model: Model;
  readonly layers: readonly HashedLayer[];
  readonly report: SharingReport;
}

function factorOf(l: FcLayer, opts: HashNetOptions): number {
  const f = opts.factors?.[l.node.name] ?? opts.factors?.[l.weight.name] ?? opts.factor ?? 8;
  if (!(f >= 1)) throw new SlimnetError('INVALID_ARGUMENT', `layer '${l.node.name}': compression factor must be >= 1, got ${f}`);
  return f;
}

function initialBuckets(l: FcLayer, layer: HashedLayer, init: 'mean' | 'random', rng: Rng): Float32Array {
  const w = l.tensor.toFloat32();
  if (init === 'mean') return projectMean(w, layerIndex(layer), layer.buckets);
  if (init !== 'random') throw new SlimnetError('INVALID_ARGUMENT', `unknown bucket init '${String(init)}' (use mean or random)`);
  let sq = 0;
  for (const v of w) sq += v * v;
  const std = Math.sqrt(sq / w.length);
  return Float32Array.from({ length: layer.buckets }, () => std * rng.normal());
}

/** Plans and applies the hashing (no training). */
export function hashLayers(model: Model, opts: HashNetOptions = {}): { model: Model; layers: HashedLayer[] } {
  const selected = fcLayers(model, { ...(opts.only === undefined ? {} : { only: opts.only }), ...(opts.exclude === undefined ? {} : { exclude: opts.exclude }) });
  for (const name of Object.keys(opts.factors ?? {})) {
    if (!selected.some((l) => l.node.name === name || l.weight.name === name)) throw new SlimnetError('INVALID_ARGUMENT', `factors names '${name}', which is not a selected fully-connected layer`);
  }
  if (selected.length === 0) throw new SlimnetError('INVALID_ARGUMENT', 'the model has no fully-connected layer (Gemm / MatMul with an initializer weight) to hash');
  const rng = new Rng(opts.seed ?? 0);
  const buckets = new Map<string, Float32Array>();
  const layers = selected.map((l): HashedLayer => {
    const dims = l.tensor.dims as [number, number];
    const seed = rng.int(2 ** 31);
    const layer: HashedLayer = {
      node: l.node.name, weight: l.weight.name, dims: [dims[0], dims[1]],
      buckets: Math.ceil(l.tensor.size / factorOf(l, opts)), seed, coefficients: hashCoefficients(seed),
      bucketName: bucketName(l.weight.name), index: opts.index ?? 'hash',
    };
    buckets.set(l.weight.name, initialBuckets(l, layer, opts.init ?? 'mean', rng));
    return layer;
  });
  return { model: applyHashing(model, layers, buckets), layers };
}

/**
 * HashedNets (Chen et al.): fully-connected weights drawn from K = weights / factor buckets by a hash of (row, column)
 * with a sign hash, optionally trained afterwards.
 */
export async function hashNet(model: Model, opts: HashNetOptions = {}): Promise<HashNetResult> {
  const { model: hashed, layers } = hashLayers(model, opts);
  const trained = opts.train === undefined ? undefined : await trainShared(hashed, opts.train);
  const out = trained?.model ?? hashed;
  for (const l of layers) readBuckets(out, l);
  const rows = layers.map((l) => layerReport(l.node, ...inOut(model, l), l.buckets, `K = ${l.buckets}`));
  return { model: out, layers, report: sharingReport('hashed', model, out, rows, trained?.history) };
}

function inOut(model: Model, l: HashedLayer): [number, number] {
  const f = fcLayers(model, { only: [l.node] })[0];
  return f === undefined ? [l.dims[1], l.dims[0]] : [f.inFeatures, f.outFeatures];
}
