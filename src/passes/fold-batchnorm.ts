/**
 * Folds inference-mode BatchNormalization into the Conv or Gemm that feeds it (whose output has no other
 * reader). With k[m] = γ[m]/√(σ²[m]+ε): W'[m] = W[m]·k[m] (output channel m of the weight) and
 * b'[m] = (b[m] − μ[m])·k[m] + β[m]. The weight and the BN parameters must be constants (initializers or
 * Constant nodes); weights they alone read are removed.
 */
import type { Model } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { constantValue } from '../onnx/constant.js';
import { eliminateDeadCode } from './dead-code.js';
import type { Pass, PassResult } from './pass.js';

/** A BatchNormalization as a per-channel affine map y = scale[c]·x + shift[c]. */
export interface BatchNormAffine {
  readonly scale: Float32Array;
  readonly shift: Float32Array;
}

/** What {@link foldBatchNorm} did: the pass result and the number of folded BatchNormalization nodes. */
export interface FoldBatchNormResult extends PassResult {
  readonly folded: number;
}

function floats(v: Value | undefined): Float32Array | undefined {
  const t = v === undefined ? undefined : constantValue(v);
  if (t === undefined || (t.dtype !== 'float32' && t.dtype !== 'float64')) return undefined;
  return Float32Array.from(t.toNumbers());
}

/**
 * An inference-mode BatchNormalization (training_mode 0, extra outputs unread) with constant parameters of
 * `channels` values (any count when omitted) as scale = γ/√(σ²+ε), shift = β − scale·μ; else undefined.
 */
export function batchNormAffine(bn: Node, channels?: number): BatchNormAffine | undefined {
  if (bn.opType !== 'BatchNormalization' || (bn.domain !== '' && bn.domain !== 'ai.onnx')) return undefined;
  const outputs = bn.graph?.outputs ?? [];
  if (bn.attrInt('training_mode', 0) !== 0) return undefined;
  if (bn.outputs.slice(1).some((o) => o.uses.length > 0 || outputs.includes(o))) return undefined;
  const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => floats(bn.inputs[i]));
  if (gamma === undefined || beta === undefined || mean === undefined || variance === undefined) return undefined;
  const c = channels ?? gamma.length;
  if ([gamma, beta, mean, variance].some((p) => p.length !== c)) return undefined;
  const eps = bn.attrFloat('epsilon', 1e-5);
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const k = (gamma[i] as number) / Math.sqrt((variance[i] as number) + eps);
    scale[i] = k;
    shift[i] = (beta[i] as number) - k * (mean[i] as number);
  }
  return { scale, shift };
}

/** The layer feeding `bn` when it can absorb it: a Conv, or a Gemm with transA 0, read by `bn` alone. */
function foldTarget(bn: Node): Node | undefined {
  const layer = bn.inputs[0]?.producer;
  if (layer === undefined || (layer.domain !== '' && layer.domain !== 'ai.onnx')) return undefined;
  if (layer.opType !== 'Conv' && !(layer.opType === 'Gemm' && layer.attrInt('transA', 0) === 0)) return undefined;
  const y = layer.output();
  if (y.uses.length !== 1 || layer.graph?.outputs.includes(y) === true) return undefined;
  const w = layer.inputs[1] === undefined ? undefined : constantValue(layer.inputs[1]);
  return w === undefined || (w.dtype !== 'float32' && w.dtype !== 'float64') ? undefined : layer;
}

/** Output channels of the layer's weight and the index of weight element i's output channel. */
function channelsOf(layer: Node, w: Tensor): { m: number; channel: (i: number) => number } {
  const dims = w.dims;
  if (layer.opType === 'Gemm' && layer.attrInt('transB', 0) === 0) {
    const m = dims[1] as number;
    return { m, channel: (i) => i % m };
  }
  const m = dims[0] as number;
  const per = w.size / m;
  return { m, channel: (i) => Math.floor(i / per) };
}

/** The layer's bias as M values times Gemm's beta (zeros when absent); undefined for a broadcast it cannot fold. */
function biasOf(layer: Node, m: number): Float32Array | undefined {
  const v = layer.inputs[2];
  if (v === undefined) return new Float32Array(m);
  const b = floats(v);
  if (b === undefined || b.length !== m) return undefined;
  const beta = layer.opType === 'Gemm' ? layer.attrFloat('beta', 1) : 1;
  return b.map((x) => x * beta);
}

function foldOne(model: Model, bn: Node, layer: Node): boolean {
  const g = model.graph;
  const wt = constantValue(layer.input(1)) as Tensor;
  const { m, channel } = channelsOf(layer, wt);
  const affine = batchNormAffine(bn, m);
  const bias = biasOf(layer, m);
  if (affine === undefined || bias === undefined) return false;
  const w = wt.toFloat32();
  const nw = w.map((x, i) => x * (affine.scale[channel(i)] as number));
  const nb = bias.map((b, c) => b * (affine.scale[c] as number) + (affine.shift[c] as number));
  layer.setInput(1, g.addInitializer(g.uniqueName(`${layer.name}.weight_folded`), new Tensor('float32', wt.dims, nw)));
  layer.setInput(2, g.addInitializer(g.uniqueName(`${layer.name}.bias_folded`), Tensor.f32([m], nb)));
  if (layer.opType === 'Gemm') layer.setAttr('beta', 1);
  const out = bn.output();
  g.removeNode(bn, true);
  layer.setOutput(0, out);
  return true;
}

/** Folds every foldable BatchNormalization of the main graph in place; unused weights are removed. */
export function foldBatchNorm(model: Model): FoldBatchNormResult {
  let folded = 0;
  for (const bn of [...model.graph.nodes]) {
    if (bn.opType !== 'BatchNormalization') continue;
    const layer = foldTarget(bn);
    if (layer !== undefined && foldOne(model, bn, layer)) folded++;
  }
  if (folded > 0) eliminateDeadCode(model);
  return { model, modified: folded > 0, folded };
}

/** The BatchNormalization-folding pass (see {@link foldBatchNorm}). */
export const foldBatchNormPass: Pass = { name: 'fold-batchnorm', run: foldBatchNorm };
