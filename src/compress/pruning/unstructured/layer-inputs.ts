/**
 * Second moments of layer inputs for layer-wise OBS: H = (1/n) Σ_samples Σ_rows x xᵀ, computed by
 * onnxruntime on a copy of the model with extra outputs.
 *  - Gemm / MatMul: the rows x are the layer's input vectors (leading dims flattened);
 *  - Conv: the rows are the im2col patches, one per output position, extracted by a Conv with one-hot
 *    kernels and the layer's own strides / pads / dilations / groups (exact: each output is one input
 *    value). Patch entries are ordered like the flattened weight [Cin/g, kh, kw]; a grouped conv gets one
 *    H per group (its own input channels).
 * The d×d products are MatMuls inside the graph; JS only sums the per-batch results in float64.
 */
import type { Split } from '../../../data/types.js';
import { batches } from '../../../data/batches.js';
import { GraphBuilder } from '../../../ir/builder.js';
import { SlimnetError, UnsupportedOpError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import { planInput } from '../../../runtime/model-input.js';
import { Session } from '../../../runtime/session.js';

/** Second moments of a layer's inputs, (1/samples) Σ x xᵀ per block, for OBS-style pruning. */
export interface InputMoments {
  /** Number of independent blocks (conv groups; 1 for FC layers). */
  readonly groups: number;
  /** Feature dimension d of one block (FC: input features; conv: Cin/g · kh · kw). */
  readonly dim: number;
  /** groups × d × d row-major: (1/samples) Σ x xᵀ per block. */
  readonly h: Float64Array;
  /** Samples accumulated. */
  readonly samples: number;
}

/** Options of `layerInputMoments`: samples, batch size and threads. */
export interface MomentOptions {
  /** Samples to run (default 1024). */
  readonly samples?: number;
  /** Inference batch size (default 128). */
  readonly batchSize?: number;
  readonly threads?: number;
}

/** [g, d, d] Gram matrix of a conv layer's input patches. */
function convGram(b: GraphBuilder, node: Node): { out: Value; groups: number; dim: number } {
  const w = node.input(1).initializer;
  if (w === undefined || w.rank !== 4) throw new SlimnetError('INVALID_ARGUMENT', `node '${node.name}': layer-wise OBS needs a constant 2-D conv weight [O, C/g, kh, kw]`);
  const [, cg, kh, kw] = w.dims as [number, number, number, number];
  const g = node.attrInt('group', 1);
  const dim = cg * kh * kw;
  const onehot = Tensor.f32([g * dim, cg, kh, kw]);
  const e = onehot.data as Float32Array;
  for (let gi = 0; gi < g; gi++) for (let k = 0; k < dim; k++) e[(gi * dim + k) * dim + k] = 1;
  const attrs = Object.fromEntries([...node.attributes].filter(([k]) => ['strides', 'pads', 'dilations', 'auto_pad', 'group', 'kernel_shape'].includes(k)));
  const patches = b.op('Conv', [node.input(0), b.initializer(b.graph.uniqueName(`im2col/${node.name}`), onehot)], attrs);
  const r = b.op('Reshape', [patches, b.constInt64([0, g, dim, -1])]);
  const x = b.op('Reshape', [b.op('Transpose', [r], { perm: [1, 2, 0, 3] }), b.constInt64([g, dim, -1])]);
  return { out: b.op('MatMul', [x, b.op('Transpose', [x], { perm: [0, 2, 1] })]), groups: g, dim };
}

/** [1, d, d] Gram matrix of an FC layer's input rows. */
function fcGram(b: GraphBuilder, node: Node, dim: number): { out: Value; groups: number; dim: number } {
  if (node.opType === 'Gemm' && node.attrInt('transA', 0) !== 0) throw new SlimnetError('INVALID_ARGUMENT', `node '${node.name}': Gemm with transA is not supported by layer-wise OBS`);
  const x = b.op('Reshape', [node.input(0), b.constInt64([-1, dim])]);
  const h = b.op('MatMul', [b.op('Transpose', [x], { perm: [1, 0] }), x]);
  return { out: b.op('Unsqueeze', [h, b.constInt64([0])]), groups: 1, dim };
}

/** Input features of an FC layer node from its weight (Gemm transB aware). */
function fcInputDim(node: Node): number {
  const w = node.input(1).initializer;
  if (w === undefined || w.rank !== 2) throw new SlimnetError('INVALID_ARGUMENT', `node '${node.name}': layer-wise OBS needs a constant 2-D weight`);
  return (node.opType === 'Gemm' && node.attrInt('transB', 0) === 1 ? w.dims[1] : w.dims[0]) as number;
}

/** Input moments of the named layer nodes (Conv, Gemm, MatMul), by node name. */
export async function layerInputMoments(model: Model, nodeNames: readonly string[], data: Split, o: MomentOptions = {}): Promise<Map<string, InputMoments>> {
  const m = model.clone();
  const b = new GraphBuilder(m.graph);
  const outs = new Map<string, { name: string; groups: number; dim: number }>();
  for (const name of nodeNames) {
    const node = m.graph.findNode(name);
    if (node === undefined) throw new SlimnetError('INVALID_ARGUMENT', `no node '${name}' in model '${m.graph.name}'`);
    const gram = node.opType === 'Conv' ? convGram(b, node)
      : node.opType === 'Gemm' || node.opType === 'MatMul' ? fcGram(b, node, fcInputDim(node))
        : (() => { throw new UnsupportedOpError(node.opType, node.name); })();
    gram.out.dtype = 'float32';
    b.output(gram.out, m.graph.uniqueName(`gram__${name}`));
    outs.set(name, { name: gram.out.name, groups: gram.groups, dim: gram.dim });
  }
  const session = await Session.create(m, { threads: o.threads ?? 2 });
  const acc = new Map([...outs].map(([k, v]) => [k, new Float64Array(v.groups * v.dim * v.dim)]));
  let seen = 0;
  try {
    const plan = planInput(session, data.sampleShape);
    const limit = Math.min(data.count, o.samples ?? 1024);
    const per = data.images.length / data.count;
    for (const bt of batches(data, { batchSize: o.batchSize ?? 128, shuffle: true, seed: 11 })) {
      if (seen >= limit) break;
      const n = Math.min(bt.size, limit - seen);
      const res = await session.run({ [plan.name]: new Tensor('float32', plan.dims(n), bt.x.slice(0, per * n)) }, [...outs.values()].map((v) => v.name));
      for (const [layer, out] of outs) {
        const h = res[out.name]?.data as Float32Array;
        const a = acc.get(layer) as Float64Array;
        for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) + (h[i] as number);
      }
      seen += n;
    }
  } finally {
    await session.release();
  }
  const result = new Map<string, InputMoments>();
  for (const [layer, out] of outs) {
    const h = (acc.get(layer) as Float64Array).map((v) => v / Math.max(1, seen));
    result.set(layer, { groups: out.groups, dim: out.dim, h, samples: seen });
  }
  return result;
}
