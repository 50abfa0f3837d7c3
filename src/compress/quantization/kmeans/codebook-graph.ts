/**
 * The codebook fine-tuning graph (Deep Compression §3.2): each shared weight becomes
 *   W = Gather(Concat(Mul(codebook, 1), [0]), index)
 * with index = cluster id, or K (the appended zero) where the weight is pruned. Autodiff of Gather sums
 * the gradients of all weights of a cluster into its centroid, which is exactly the paper's centroid
 * gradient. The Mul by a scalar 1 makes the codebook a default trainable parameter of train()
 * (an initializer multiplied with an activation); the index tensor (int32) is never trained.
 */
import { GraphBuilder } from '../../../ir/builder.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import type { SharedLayer } from './share.js';

/** Names of the initializers the rewrite adds for one layer. */
export function codebookName(layer: string): string {
  return `${layer}__codebook`;
}

export function indexName(layer: string): string {
  return `${layer}__cluster_index`;
}

/** Name of the per-centroid step constant of a layer (see CodebookGraphOptions.normalizeSteps). */
export function stepName(layer: string): string {
  return `${layer}__codebook_step`;
}

export interface CodebookGraphOptions {
  /**
   * Store each centroid as p_k = c_k · √n_k and compute c_k = p_k / √n_k in the graph (n_k: weights in the
   * cluster). The centroid's gradient is still the sum of its weights' gradients, but an SGD step on p_k then
   * moves c_k by lr × the *mean* of those gradients, so one learning rate suits layers of any size and any bit
   * width (with the raw sum a dense 400k-weight layer in 32 clusters diverges at lr 0.001). Default false.
   */
  readonly normalizeSteps?: boolean;
}

function clusterSizes(l: SharedLayer): Float32Array {
  const n = new Float32Array(l.codebook.length);
  for (const j of l.indices) if (j >= 0) n[j] = (n[j] as number) + 1;
  return n.map((c) => Math.max(1, c));
}

/** A copy of `model` where every shared layer's weight is computed from its codebook and cluster indices. */
export function codebookModel(model: Model, layers: readonly SharedLayer[], opts: CodebookGraphOptions = {}): Model {
  const m = model.clone();
  const g = m.graph;
  const b = new GraphBuilder(g);
  for (const l of layers) {
    const w = g.initializers.get(l.name);
    if (w === undefined) throw new SlimnetError('INVALID_ARGUMENT', `shared layer '${l.name}' is not an initializer of the model`);
    const k = l.codebook.length;
    const idx = Int32Array.from(l.indices, (j) => (j < 0 ? k : j));
    const sizes = clusterSizes(l);
    const stored = opts.normalizeSteps === true ? Float32Array.from(l.codebook, (c, j) => c * Math.sqrt(sizes[j] as number)) : Float32Array.from(l.codebook);
    const cb = b.initializer(codebookName(l.name), new Tensor('float32', [k], stored));
    const index = b.initializer(indexName(l.name), new Tensor('int32', l.dims, idx));
    const one = opts.normalizeSteps === true
      ? b.initializer(stepName(l.name), new Tensor('float32', [k], Float32Array.from(sizes, (n) => 1 / Math.sqrt(n))))
      : b.constant(1, [], `${l.name}__one`);
    const zero = b.constant([0], [1], `${l.name}__zero`);
    const scaled = b.op('Mul', [cb, one], {}, { name: `${l.name}/codebook` });
    const table = b.op('Concat', [scaled, zero], { axis: 0 }, { name: `${l.name}/codebook_with_zero` });
    const uses = [...w.uses];
    const dense = b.op('Gather', [table, index], { axis: 0 }, { name: `${l.name}/shared_weight` });
    dense.dtype = 'float32';
    dense.shape = [...l.dims];
    for (const u of uses) u.node.setInput(u.index, dense);
    g.removeInitializer(w);
  }
  g.sortTopologically();
  return m;
}

/** The layers with their codebooks read back from a (trained) codebook model. */
export function readCodebooks(model: Model, layers: readonly SharedLayer[]): SharedLayer[] {
  return layers.map((l) => {
    const t = model.graph.initializers.get(codebookName(l.name))?.initializer;
    if (t === undefined || t.size !== l.codebook.length) {
      throw new SlimnetError('INVALID_ARGUMENT', `model has no codebook '${codebookName(l.name)}' of ${l.codebook.length} entries`);
    }
    const step = model.graph.initializers.get(stepName(l.name))?.initializer?.toFloat32();
    const p = t.toFloat32();
    return { ...l, codebook: Float32Array.from(p, (x, j) => (step === undefined ? x : Math.fround(x * (step[j] as number)))) };
  });
}
