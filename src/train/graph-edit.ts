/** Small graph edits shared by the training and evaluation graphs. */
import type { GraphBuilder } from '../ir/builder.js';
import { SlimnetError } from '../ir/errors.js';
import type { Graph, Model } from '../ir/graph.js';
import type { Value } from '../ir/value.js';
import { decodeModel, encodeModel } from '../onnx/index.js';
import type { StraightThrough } from '../autodiff/backward.js';
import type { ParamRef } from './regularizers.js';

/** A deep copy through the ONNX codec. */
export function cloneModel(model: Model): Model {
  return decodeModel(encodeModel(model));
}

/** Turns initializers into graph inputs (same Value objects, so every use stays wired). */
export function liftToInputs(graph: Graph, values: readonly Value[]): void {
  for (const v of values) {
    if (v.initializer === undefined) throw new SlimnetError('INVALID_ARGUMENT', `'${v.name}' is not an initializer`);
    v.dtype = v.initializer.dtype;
    v.shape = [...v.initializer.dims];
    graph.initializers.delete(v.name);
    v.initializer = undefined;
    graph.addInput(v);
  }
}

export function paramRef(v: Value): ParamRef {
  const dims = (v.initializer?.dims ?? v.shape ?? []).map((d) => (typeof d === 'number' ? d : 0));
  return { name: v.name, value: v, dims, uses: v.uses.map((u) => ({ opType: u.node.opType, index: u.index })) };
}

/**
 * A weight transform: the forward pass uses `forward(b, w)` instead of the stored weight w (quantizers,
 * binarizers, low-rank or shared-weight reconstructions).
 */
export interface WeightTransform {
  /** Appends nodes computing the weight the forward pass uses from the stored weight. */
  readonly forward: (b: GraphBuilder, w: Value) => Value;
  /**
   * Gradient of the stored weight: 'autodiff' (default) differentiates the forward nodes; 'identity' is
   * the straight-through estimator; a function maps the transformed weight's gradient to w's gradient.
   */
  readonly backward?: 'autodiff' | 'identity' | ((b: GraphBuilder, dOut: Value, w: Value) => Value);
}

export type TransformSelector = (p: ParamRef) => WeightTransform | undefined;

/**
 * Inserts each selected transform between a weight and its consumers and sorts the graph topologically.
 * Returns the straight-through edges for addBackward.
 */
export function insertTransforms(b: GraphBuilder, weights: readonly Value[], select: TransformSelector | undefined): StraightThrough[] {
  const edges: StraightThrough[] = [];
  if (select === undefined) return edges;
  for (const w of weights) {
    const t = select(paramRef(w));
    if (t === undefined) continue;
    const uses = [...w.uses];
    const out = t.forward(b, w);
    out.dtype ??= w.dtype;
    out.shape ??= w.shape;
    for (const u of uses) u.node.setInput(u.index, out);
    const back = t.backward ?? 'autodiff';
    if (back === 'identity') edges.push({ input: w, output: out });
    else if (back !== 'autodiff') edges.push({ input: w, output: out, grad: back });
  }
  b.graph.sortTopologically();
  return edges;
}

export { correctCount } from '../autodiff/losses.js';

/** The model's single float output (the logits). */
export function logitsOf(model: Model, name?: string): Value {
  const outs = model.graph.outputs;
  const v = name === undefined ? outs[0] : outs.find((o) => o.name === name);
  if (v === undefined) {
    throw new SlimnetError('INVALID_ARGUMENT', `model has no output ${name === undefined ? '' : `'${name}' `}(outputs: ${outs.map((o) => o.name).join(', ')})`);
  }
  return v;
}

/** The image input: the named one, or the only non-initializer input. */
export function imageInputOf(model: Model, name?: string): Value {
  const ins = model.graph.inputs.filter((v) => !model.graph.initializers.has(v.name));
  const v = name === undefined ? (ins.length === 1 ? ins[0] : undefined) : ins.find((i) => i.name === name);
  if (v === undefined) {
    throw new SlimnetError('INVALID_ARGUMENT', `cannot pick the model input${name === undefined ? '' : ` '${name}'`} among: ${ins.map((i) => i.name).join(', ')}`);
  }
  return v;
}
