/**
 * APoZ (Hu et al. 2016): the average percentage of zeros of a channel's post-ReLU activation over sample
 * inputs. A channel that is almost always zero contributes almost nothing; score = 1 − APoZ. Every ReLU
 * output carrying the group's channels is measured (averaged); groups without a ReLU are unscored.
 */
import type { Value } from '../../../../ir/value.js';
import { forEachBatch, perPosition, withOutputs } from './activations.js';
import { requireData, type Importance } from './types.js';

/**
 * APoZ importance (Hu et al.): one minus the average percentage of zeros after each channel's ReLU, over the data
 * samples.
 */
export function apozImportance(): Importance {
  return {
    name: 'apoz',
    comparable: true,
    score: async (ctx) => {
      const data = requireData(ctx, 'apoz');
      const watched = new Map<Value, Array<{ group: number; channel: Int32Array }>>();
      for (const g of ctx.dep.groups) {
        for (const gv of g.values) {
          if (gv.value.producer?.opType !== 'Relu') continue;
          const list = watched.get(gv.value) ?? [];
          list.push({ group: g.id, channel: gv.channel });
          watched.set(gv.value, list);
        }
      }
      const zeros = new Map<number, Float64Array>();
      const totals = new Map<number, Float64Array>();
      for (const list of watched.values()) {
        for (const { group } of list) {
          const size = ctx.dep.groups[group]?.size ?? 0;
          if (!zeros.has(group)) {
            zeros.set(group, new Float64Array(size));
            totals.set(group, new Float64Array(size));
          }
        }
      }
      if (watched.size === 0) return new Map();
      const values = [...watched.keys()];
      const model = withOutputs(ctx.dep.model, values);
      await forEachBatch(model, data, { samples: ctx.samples ?? 256, batchSize: ctx.batchSize ?? 64 }, values.map((v) => v.name), (b) => {
        for (const v of values) {
          const t = b.values[v.name];
          if (t === undefined) continue;
          for (const { group, channel } of watched.get(v) ?? []) {
            const z = zeros.get(group) as Float64Array;
            const n = totals.get(group) as Float64Array;
            perPosition(t, (xs, _s, p) => {
              const c = channel[p] as number;
              if (c < 0) return;
              let count = 0;
              for (const x of xs) if (x === 0) count++;
              z[c] = (z[c] as number) + count;
              n[c] = (n[c] as number) + xs.length;
            });
          }
        }
      });
      const out = new Map<number, Float64Array>();
      for (const [g, z] of zeros) {
        const n = totals.get(g) as Float64Array;
        out.set(g, z.map((v, i) => 1 - v / Math.max(1, n[i] as number)));
      }
      return out;
    },
  };
}
