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
import { cloneModel } from '../../../train/graph-edit.js';
import type { SharedLayer } from './share.js';

/** Names of the initializers the rewrite adds for one layer. */
export function codebookName(layer: string): string {
  return `${layer}__codebook`;
}

export function indexName(layer: string): string {
  return `${layer}__cluster_index`;
}

/** A copy of `model` where every shared layer's weight is computed from its codebook and cluster indices. */
export function codebookModel(model: Model, layers: readonly SharedLayer[]): Model {
  const m = cloneModel(model);
  const g = m.graph;
  const b = new GraphBuilder(g);
  for (const l of layers) {
    const w = g.initializers.get(l.name);
    if (w === undefined) throw new SlimnetError('INVALID_ARGUMENT', `shared layer '${l.name}' is not an initializer of the model`);
    const k = l.codebook.length;
    const idx = Int32Array.from(l.indices, (j) => (j < 0 ? k : j));
    const cb = b.initializer(codebookName(l.name), new Tensor('float32', [k], Float32Array.from(l.codebook)));
    const index = b.initializer(indexName(l.name), new Tensor('int32', l.dims, idx));
    const one = b.constant(1, [], `${l.name}__one`);
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
    return { ...l, codebook: Float32Array.from(t.toFloat32()) };
  });
}
