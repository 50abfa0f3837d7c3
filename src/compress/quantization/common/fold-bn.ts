/**
 * Folds inference-mode BatchNormalization into the Conv that feeds it (the Conv's output must have no
 * other use): W'[m] = W[m]·γ[m]/√(σ²[m]+ε), b'[m] = (b[m] − μ[m])·γ[m]/√(σ²[m]+ε) + β[m].
 * Mutates the model's graph; returns the number of folded pairs.
 */
import type { Model } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import { constantValue } from '../../../onnx/index.js';

function constOf(v: Value | undefined): Float32Array | undefined {
  if (v === undefined) return undefined;
  const t = constantValue(v);
  return t === undefined || (t.dtype !== 'float32' && t.dtype !== 'float64') ? undefined : Float32Array.from(t.toNumbers());
}

function foldable(bn: Node): Node | undefined {
  if (bn.opType !== 'BatchNormalization' || bn.outputs.slice(1).some((o) => o.uses.length > 0)) return undefined;
  if (bn.attrInt('training_mode', 0) !== 0) return undefined;
  const conv = bn.input(0).producer;
  if (conv === undefined || conv.opType !== 'Conv' || conv.output().uses.length !== 1) return undefined;
  if (conv.graph?.outputs.includes(conv.output()) === true) return undefined;
  const w = conv.inputs[1];
  if (w === undefined || constantValue(w) === undefined) return undefined;
  return conv;
}

export function foldBatchNorm(model: Model): number {
  const g = model.graph;
  let folded = 0;
  for (const bn of [...g.nodes]) {
    const conv = foldable(bn);
    if (conv === undefined) continue;
    const wt = constantValue(conv.input(1)) as Tensor;
    const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => constOf(bn.inputs[i]));
    if (gamma === undefined || beta === undefined || mean === undefined || variance === undefined) continue;
    const m = wt.dims[0] as number;
    if (gamma.length !== m) continue;
    const eps = bn.attrFloat('epsilon', 1e-5);
    const bias = constOf(conv.inputs[2]) ?? new Float32Array(m);
    const w = wt.toFloat32();
    const per = w.length / m;
    const nw = new Float32Array(w.length);
    const nb = new Float32Array(m);
    for (let c = 0; c < m; c++) {
      const k = (gamma[c] as number) / Math.sqrt((variance[c] as number) + eps);
      for (let j = 0; j < per; j++) nw[c * per + j] = (w[c * per + j] as number) * k;
      nb[c] = ((bias[c] as number) - (mean[c] as number)) * k + (beta[c] as number);
    }
    const wv = g.addInitializer(g.uniqueName(`${conv.name}.weight_folded`), new Tensor('float32', wt.dims, nw));
    const bv = g.addInitializer(g.uniqueName(`${conv.name}.bias_folded`), Tensor.f32([m], nb));
    const oldInputs = [...conv.inputs.slice(1), ...bn.inputs.slice(1)];
    conv.setInput(1, wv);
    conv.setInput(2, bv);
    const out = bn.output();
    g.removeNode(bn, true);
    conv.setOutput(0, out);
    for (const v of oldInputs) {
      if (v !== undefined && v.initializer !== undefined && v.uses.length === 0 && !g.outputs.includes(v)) g.removeInitializer(v);
    }
    folded++;
  }
  return folded;
}

/** A copy of `model` with every foldable BatchNormalization folded into its Conv; returns it and the count. */
export function foldedCopy(model: Model): { readonly model: Model; readonly folded: number } {
  const m = model.clone();
  const folded = foldBatchNorm(m);
  return { model: m, folded };
}
