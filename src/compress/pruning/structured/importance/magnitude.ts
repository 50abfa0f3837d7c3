/**
 * Weight-magnitude criteria. L1 / L2 filter norm (Li et al. 2017): the norm of each channel's weights over
 * every coupled slice of the chosen roles ('out' = the filters producing the channel, by default), so a
 * residual group's channel is scored over all convs feeding its Add chain. BN-scale (network slimming,
 * Liu et al. 2017): the mean |γ| of the channel over the group's BatchNormalizations.
 */
import type { Tensor } from '../../../../ir/tensor.js';
import type { ChannelGroup, SliceRole } from '../types.js';
import type { Importance } from './types.js';

/** Σ f(w) over each position of `axis` (all other axes summed). */
export function axisSums(t: Tensor, axis: number, f: (w: number) => number): Float64Array {
  const data = t.toFloat32();
  const len = t.dims[axis] as number;
  const inner = t.dims.slice(axis + 1).reduce((a, d) => a * d, 1);
  const out = new Float64Array(len);
  for (let i = 0; i < data.length; i++) {
    const p = Math.floor(i / inner) % len;
    out[p] = (out[p] as number) + f(data[i] as number);
  }
  return out;
}

/** Per channel of `g`, Σ f(w) over the slices whose role is in `roles`; undefined when no slice matched. */
export function channelSums(g: ChannelGroup, roles: readonly SliceRole[], f: (w: number) => number): Float64Array | undefined {
  const out = new Float64Array(g.size);
  let any = false;
  for (const s of g.slices) {
    if (!roles.includes(s.role)) continue;
    const t = s.node.input(s.input).initializer;
    if (t === undefined) continue;
    const sums = axisSums(t, s.axis, f);
    s.channel.forEach((c, p) => {
      if (c >= 0) out[c] = (out[c] as number) + (sums[p] as number);
    });
    any = true;
  }
  return any ? out : undefined;
}

/** Options of `magnitudeImportance`: the norm (L1 or L2) and which weight slices are measured. */
export interface MagnitudeOptions {
  /** 1 (L1, default) or 2 (L2). */
  readonly p?: 1 | 2;
  /** Slice roles whose weights are measured (default ['out']: the filters; add 'in' for consumer columns). */
  readonly roles?: readonly SliceRole[];
}

/** Filter-norm importance (Li et al.): the L1 or L2 norm of each channel's weights. */
export function magnitudeImportance(opts: MagnitudeOptions = {}): Importance {
  const p = opts.p ?? 1;
  const roles = opts.roles ?? ['out'];
  return {
    name: p === 1 ? 'l1' : 'l2',
    comparable: false,
    score: async ({ dep }) => {
      const out = new Map<number, Float64Array>();
      for (const g of dep.groups) {
        const s = channelSums(g, roles, p === 1 ? Math.abs : (w) => w * w);
        if (s !== undefined) out.set(g.id, p === 1 ? s : s.map(Math.sqrt));
      }
      return out;
    },
  };
}

/** Mean |γ| per channel over the group's BatchNormalization scales (groups without BN are unscored). */
export function bnScaleImportance(): Importance {
  return {
    name: 'bn-scale',
    comparable: true,
    score: async ({ dep }) => {
      const out = new Map<number, Float64Array>();
      for (const g of dep.groups) {
        const sums = channelSums(g, ['bn-scale'], Math.abs);
        const counts = channelSums(g, ['bn-scale'], () => 1);
        if (sums !== undefined && counts !== undefined) out.set(g.id, sums.map((v, i) => v / Math.max(1, counts[i] as number)));
      }
      return out;
    },
  };
}
