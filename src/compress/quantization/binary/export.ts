/**
 * exportBinary: the deployment form of a trained binary / ternary model (see DEPLOYMENT.md). From the
 * plan's float structure and the trained values:
 *   - each quantized weight initializer holds its codes (±1 binary, {−1, 0, 1} ternary, k-bit levels,
 *     or TTQ's {−W_n, 0, W_p}); when the method has a scale, the layer's bias moves after it and a `Mul`
 *     by the per-output-channel scale ([1, M, 1, 1] for Conv, [M] for Gemm / MatMul) follows the layer;
 *   - activation quantizers are the same nodes as in training (binary: a `Sign` directly feeding the layer).
 * The result computes the same function as the trained fake-quantized inference model.
 */
import { GraphBuilder } from '../../../ir/builder.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import { insertActivationTransforms, TransformRecorder } from '../../../train/transforms.js';
import type { BinaryPlan } from './plan.js';
import { detachBias, appendAfter } from './rewire.js';
import type { TensorLookup } from './types.js';

export interface DeployedLayer {
  /** Layer node and weight initializer names. */
  readonly node: string;
  readonly weight: string;
  readonly params: number;
  /** Bits per packed code. */
  readonly bits: number;
  /** Float32 numbers stored besides the codes (scales, learned values). */
  readonly extraFloats: number;
  /** Name of the per-channel scale initializer of the Mul after the layer, when there is one. */
  readonly scale?: string;
  /** Distinct values in the deployed weight (2 for binary, ≤ 3 ternary...). */
  readonly levels: number;
}

export interface DeployedBinary {
  readonly model: Model;
  readonly layers: readonly DeployedLayer[];
}

/** A lookup of float tensors of a model by initializer name. */
export function lookupIn(model: Model): TensorLookup {
  return (name) => {
    const t = model.graph.initializers.get(name)?.initializer;
    return t === undefined ? undefined : Float32Array.from(t.toFloat32());
  };
}

export function exportBinary(plan: BinaryPlan, trained: Model): DeployedBinary {
  const m = plan.model.clone();
  inferShapes(m);
  const g = m.graph;
  const b = new GraphBuilder(g);
  const lookup = lookupIn(trained);
  for (const [name, v] of g.initializers) {
    const t = trained.graph.initializers.get(name)?.initializer;
    if (t !== undefined && v.initializer !== undefined && t.size === v.initializer.size) v.initializer = t.clone();
  }
  const layers = plan.layers.map((l): DeployedLayer => {
    const node = g.findNode(l.node);
    const w = g.initializers.get(l.layout.name);
    if (node === undefined || w?.initializer === undefined) throw new SlimnetError('INVALID_ARGUMENT', `exportBinary: the plan's layer '${l.node}' / weight '${l.layout.name}' is missing from its model`);
    const q = plan.weights.quantize(Float32Array.from(w.initializer.toFloat32()), l.layout, lookup);
    w.initializer = new Tensor('float32', l.layout.dims, q.codes);
    const base = { node: l.node, weight: l.layout.name, params: q.codes.length, bits: q.bits, extraFloats: q.extraFloats, levels: new Set(q.codes).size };
    if (q.scale === undefined) return base;
    detachBias(b, node);
    const rank = node.output(0).shape?.length ?? (node.opType === 'Conv' ? l.layout.dims.length : 2);
    const dims = node.opType === 'Conv' ? [1, q.scale.length, ...Array<number>(rank - 2).fill(1)] : [q.scale.length];
    const s = g.addInitializer(g.uniqueName(`${l.layout.name}__scale`), new Tensor('float32', dims, q.scale));
    appendAfter(b, node.output(0), (y) => b.op('Mul', [y, s], {}, { name: `${l.node}/scale` }));
    return { ...base, scale: s.name };
  });
  if (plan.hooks.activations !== undefined) insertActivationTransforms(b, plan.hooks.activations, new TransformRecorder(b, false));
  g.sortTopologically();
  inferShapes(m);
  return { model: m, layers };
}
