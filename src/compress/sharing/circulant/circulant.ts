/**
 * circulant(model, opts): circulant projections (Cheng et al. 2015) for fully-connected layers. Each
 * selected Gemm / MatMul becomes y = circ(r) · D · x (+ bias) with d parameters instead of in × out
 * (structure.ts for non-square layers), in FFT form (ONNX DFT) or dense form (weight gathered from r);
 * r starts as the least-squares projection of the current weight ('project') or random ('random'), and the
 * model is optionally trained end to end (DFT / Gather gradients from the autodiff rule table).
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import { Rng } from '../../../util/rng.js';
import { fcLayers, weightAt, type FcLayer } from '../common/fc-layers.js';
import { layerReport, sharingReport, type SharingReport } from '../common/report.js';
import { projectMean } from '../common/signed-table.js';
import { trainShared, type SharingTrainOptions } from '../common/train-shared.js';
import { applyCirculant, type CirculantLayer, type CirculantMode } from './layers.js';
import { circulantIndex, circulantSigns, circulantSize, type CirculantSize } from './structure.js';

/** Options of `circulant`: layers, circulant size, mode, initialisation, seed and optional training. */
export interface CirculantOptions {
  /** Only these layers (node or weight names; default every eligible Gemm / MatMul). */
  readonly only?: readonly string[];
  /** Leave these layers dense (e.g. the classifier). */
  readonly exclude?: readonly string[];
  /** Circulant size d: 'pow2' (default: next power of two >= max(in, out)), 'exact' (max(in, out)) or a number. */
  readonly size?: CirculantSize;
  /** 'fft' (default): DFT subgraph; 'dense': the weight gathered from r, run by the ordinary kernel. */
  readonly mode?: CirculantMode;
  /** Start values of r: 'project' (least squares from the current weight, default) or 'random' N(0, std(W)). */
  readonly init?: 'project' | 'random';
  /** Seed of the sign vectors and random init (default 0). */
  readonly seed?: number;
  /** Train end to end after the rewrite (omit for the rewrite alone). */
  readonly train?: SharingTrainOptions;
}

/**
 * The result of `circulant`: the rewritten (and possibly trained) model, its circulant layers and the sharing report.
 */
export interface CirculantResult {
  readonly model: Model;
  readonly layers: readonly CirculantLayer[];
  readonly report: SharingReport;
}

function check(l: FcLayer, model: Model): void {
  const n = l.node;
  const bad = (why: string): never => {
    throw new SlimnetError('INVALID_ARGUMENT', `layer '${n.name}' cannot be made circulant: ${why}`);
  };
  if (n.opType === 'Gemm' && (n.attrFloat('alpha', 1) !== 1 || n.attrFloat('beta', 1) !== 1)) bad('Gemm alpha / beta other than 1');
  const x = n.inputs[0];
  if (x?.shape !== undefined && x.shape.length !== 2) bad(`its input has rank ${x.shape.length} (a [N, features] input is needed)`);
  if (x?.initializer !== undefined || model.graph.initializers.has(x?.name ?? '')) bad('its input is a constant');
}

function initialVector(l: FcLayer, size: number, signs: Int8Array, init: 'project' | 'random', rng: Rng): Float32Array {
  const w = l.tensor.toFloat32();
  if (init === 'random') {
    let sq = 0;
    for (const v of w) sq += v * v;
    const std = Math.sqrt(sq / w.length);
    return Float32Array.from({ length: size }, () => std * rng.normal());
  }
  if (init !== 'project') throw new SlimnetError('INVALID_ARGUMENT', `unknown circulant init '${String(init)}' (use project or random)`);
  const outMajor = new Float32Array(l.outFeatures * l.inFeatures);
  for (let i = 0; i < l.outFeatures; i++) for (let j = 0; j < l.inFeatures; j++) outMajor[i * l.inFeatures + j] = weightAt(l, w, i, j);
  return projectMean(outMajor, circulantIndex(l.outFeatures, l.inFeatures, size, signs), size);
}

/** Plans and applies the rewrite (no training). */
export function circulantLayers(model: Model, opts: CirculantOptions = {}): { model: Model; layers: CirculantLayer[] } {
  const shaped = model.clone();
  inferShapes(shaped);
  const selected = fcLayers(shaped, { ...(opts.only === undefined ? {} : { only: opts.only }), ...(opts.exclude === undefined ? {} : { exclude: opts.exclude }) });
  if (selected.length === 0) throw new SlimnetError('INVALID_ARGUMENT', 'the model has no fully-connected layer (Gemm / MatMul with an initializer weight) to make circulant');
  const rng = new Rng(opts.seed ?? 0);
  const vectors = new Map<string, Float32Array>();
  const signs = new Map<string, Int8Array>();
  const layers = selected.map((l): CirculantLayer => {
    check(l, shaped);
    const size = circulantSize(l.inFeatures, l.outFeatures, opts.size);
    const seed = rng.int(2 ** 31);
    const d = circulantSigns(l.inFeatures, seed);
    signs.set(l.weight.name, d);
    vectors.set(l.weight.name, initialVector(l, size, d, opts.init ?? 'project', rng));
    const bias = l.node.opType === 'Gemm' ? l.node.inputs[2]?.name : undefined;
    return {
      node: l.node.name, op: l.node.opType as 'Gemm' | 'MatMul', weight: l.weight.name, outMajor: l.outMajor,
      input: l.node.input(0).name, output: l.node.output().name, ...(bias === undefined ? {} : { bias }),
      inFeatures: l.inFeatures, outFeatures: l.outFeatures, size, seed,
      vectorName: `${l.weight.name}__circulant`, signName: `${l.weight.name}__circulant_signs`,
    };
  });
  return { model: applyCirculant(model, layers, vectors, signs, opts.mode ?? 'fft'), layers };
}

/**
 * Replaces fully-connected layers by circulant projections y = circ(r)·D·x (Cheng et al.): d parameters per layer
 * instead of in × out, optionally trained afterwards.
 */
export async function circulant(model: Model, opts: CirculantOptions = {}): Promise<CirculantResult> {
  const { model: rewritten, layers } = circulantLayers(model, opts);
  const trained = opts.train === undefined ? undefined : await trainShared(rewritten, opts.train);
  const out = trained?.model ?? rewritten;
  const rows = layers.map((l) => layerReport(l.node, l.inFeatures, l.outFeatures, l.size, `d = ${l.size}, ${opts.mode ?? 'fft'}`));
  return { model: out, layers, report: sharingReport('circulant', model, out, rows, trained?.history) };
}
