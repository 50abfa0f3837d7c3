/**
 * First-order Taylor criterion (Molchanov et al. 2017): removing channel c zeroes it wherever it is
 * consumed, changing the loss by ≈ −Σ z·∂L/∂z. Score = mean over samples of |mean over the channel's
 * positions of z·∂L/∂z|, measured at the activations the group's consumers read (the inputs of the next
 * convs / Gemms), summed over them. Gradients come from `addBackward` on a copy with a cross-entropy loss.
 */
import { addBackward } from '../../../../autodiff/backward.js';
import { softmaxCrossEntropy } from '../../../../autodiff/losses.js';
import { GraphBuilder } from '../../../../ir/builder.js';
import { SlimnetError } from '../../../../ir/errors.js';
import { Tensor } from '../../../../ir/tensor.js';
import type { Value } from '../../../../ir/value.js';
import { inferShapes } from '../../../../passes/infer-shapes.js';
import { forEachBatch } from './activations.js';
import { requireData, type Importance } from './types.js';

/**
 * First-order Taylor importance (Molchanov et al.): |activation × gradient of the loss| per channel, averaged over the
 * labelled samples.
 */
export function taylorImportance(): Importance {
  return {
    name: 'taylor',
    comparable: false,
    score: async (ctx) => {
      const data = requireData(ctx, 'taylor');
      const consumed = new Map<string, Array<{ group: number; channel: Int32Array }>>();
      for (const g of ctx.dep.groups) {
        for (const s of g.slices) {
          if (s.role !== 'in') continue;
          const list = consumed.get(s.value.name) ?? [];
          if (!list.some((x) => x.group === g.id)) list.push({ group: g.id, channel: s.channel });
          consumed.set(s.value.name, list);
        }
      }
      if (consumed.size === 0) return new Map();
      const model = ctx.dep.model.clone();
      inferShapes(model);
      const graph = model.graph;
      const logits = graph.outputs[0];
      if (logits === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'taylor: the model has no output');
      const byName = graph.valuesByName();
      const acts = [...consumed.keys()].map((n) => byName.get(n) as Value);
      const b = new GraphBuilder(graph);
      const labels = b.input('taylor_labels', 'int64', ['N']);
      const loss = softmaxCrossEntropy(b, logits, labels);
      inferShapes(model);
      const grads = addBackward(graph, loss, acts, { opset: model.opset() });
      graph.outputs.splice(0, graph.outputs.length);
      const names: string[] = [];
      for (const a of acts) {
        const g = grads.get(a);
        if (g === undefined) continue;
        graph.addOutput(a);
        graph.addOutput(g);
        names.push(a.name, g.name);
      }
      const sums = new Map<number, Float64Array>();
      let samples = 0;
      const feeds = (y: Int32Array): Record<string, Tensor> => ({ taylor_labels: Tensor.i64([y.length], y) });
      await forEachBatch(model, data, { samples: ctx.samples ?? 256, batchSize: ctx.batchSize ?? 64, extraFeeds: feeds }, names, (batch) => {
        samples += batch.size;
        for (const a of acts) {
          const g = grads.get(a);
          const z = batch.values[a.name];
          const dz = g === undefined ? undefined : batch.values[g.name];
          if (z === undefined || dz === undefined) continue;
          accumulate(z, dz, consumed.get(a.name) ?? [], sums, (id) => ctx.dep.groups[id]?.size ?? 0);
        }
      });
      return new Map([...sums].map(([g, s]) => [g, s.map((v) => v / Math.max(1, samples))]));
    },
  };
}

function accumulate(
  z: Tensor,
  dz: Tensor,
  members: ReadonlyArray<{ group: number; channel: Int32Array }>,
  sums: Map<number, Float64Array>,
  sizeOf: (group: number) => number,
): void {
  const zs = z.toFloat32();
  const gs = dz.toFloat32();
  const n = z.dims[0] as number;
  const positions = z.dims[1] as number;
  const inner = z.dims.slice(2).reduce((a, d) => a * d, 1);
  for (const { group, channel } of members) {
    let s = sums.get(group);
    if (s === undefined) sums.set(group, (s = new Float64Array(sizeOf(group))));
    // Flattened values hold a channel in several positions: sum z·g over all of them per sample first.
    const perSample = new Float64Array(s.length);
    const count = new Float64Array(s.length);
    for (let i = 0; i < n; i++) {
      perSample.fill(0);
      count.fill(0);
      for (let p = 0; p < positions; p++) {
        const c = channel[p] as number;
        if (c < 0) continue;
        const at = (i * positions + p) * inner;
        let acc = 0;
        for (let k = 0; k < inner; k++) acc += (zs[at + k] as number) * (gs[at + k] as number);
        perSample[c] = (perSample[c] as number) + acc;
        count[c] = (count[c] as number) + inner;
      }
      for (let c = 0; c < s.length; c++) if ((count[c] as number) > 0) s[c] = (s[c] as number) + Math.abs((perSample[c] as number) / (count[c] as number));
    }
  }
}
