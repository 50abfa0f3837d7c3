/**
 * ThiNet (Luo et al. 2017): prune a group's channels by what the *next* layer needs. For sampled outputs y
 * of each consumer (a location and output channel of the next conv, an output unit of the next Gemm),
 * y = Σ_c x̂_c where x̂_c is channel c's contribution. Removing a set T changes y by Σ_{c∈T} x̂_c, so with the
 * Gram matrix G = Σ x̂ x̂ᵀ the error of T ∪ {c} is E(T) + 2 Σ_{t∈T} G[t,c] + G[c,c]. Greedily adding the
 * cheapest channel ranks them (removed first = least important). Before pruning, `beforePrune` rescales the
 * consumers' kept channels by least squares, w = argmin ‖Σ_all x̂ − Σ_kept w_c x̂_c‖² (the paper's eq. 6).
 */
import type { Node } from '../../../../ir/node.js';
import type { Tensor } from '../../../../ir/tensor.js';
import { convGeometry } from '../../../../passes/layer-geometry.js';
import { Rng } from '../../../../util/rng.js';
import type { DependencyGraph, ParamSlice, RemovalPlan } from '../types.js';
import { forEachBatch, withOutputs } from './activations.js';
import { solveSpd } from '../../../../util/linalg/cholesky.js';
import { greedyOrder } from './linalg.js';
import { requireData, type Importance, type ScoreContext } from './types.js';

interface SinkStats {
  readonly node: string;
  readonly input: number;
  readonly axis: number;
  readonly channel: Int32Array;
  readonly gram: Float64Array;
}

/** Options of `ThiNetImportance`: sampled consumer outputs per input sample. */
export interface ThiNetOptions {
  /** Sampled outputs of each consumer per input sample (default 10). */
  readonly rowsPerSample?: number;
}

function isSink(s: ParamSlice): boolean {
  if (s.role !== 'in') return false;
  const op = s.node.opType;
  if (op === 'Gemm' || op === 'MatMul') return true;
  const w = s.node.input(1).initializer;
  return op === 'Conv' && w?.rank === 4 && s.node.attrString('auto_pad', 'NOTSET') === 'NOTSET';
}

/**
 * ThiNet (Luo et al.): greedily picks the channels whose removal least changes the next layer's sampled outputs, then
 * rescales the consumers by least squares before pruning.
 */
export class ThiNetImportance implements Importance {
  readonly name = 'thinet';
  readonly comparable = false;
  private readonly stats = new Map<number, SinkStats[]>();
  private readonly rows: number;

  constructor(opts: ThiNetOptions = {}) {
    this.rows = opts.rowsPerSample ?? 10;
  }

  async score(ctx: ScoreContext): Promise<ReadonlyMap<number, Float64Array>> {
    const data = requireData(ctx, 'thinet');
    const sinks: Array<{ group: number; slice: ParamSlice; stats: SinkStats }> = [];
    this.stats.clear();
    for (const g of ctx.dep.groups) {
      if (g.blocked.length > 0) continue;
      for (const s of g.slices.filter(isSink)) {
        const stats = { node: s.node.name, input: s.input, axis: s.axis, channel: s.channel, gram: new Float64Array(g.size * g.size) };
        sinks.push({ group: g.id, slice: s, stats });
        this.stats.set(g.id, [...(this.stats.get(g.id) ?? []), stats]);
      }
    }
    if (sinks.length === 0) return new Map();
    const values = [...new Set(sinks.map((s) => s.slice.value))];
    const model = withOutputs(ctx.dep.model, values);
    const rng = new Rng(ctx.seed ?? 0);
    await forEachBatch(model, data, { samples: ctx.samples ?? 256, batchSize: ctx.batchSize ?? 64 }, values.map((v) => v.name), (b) => {
      for (const { group, slice, stats } of sinks) {
        const x = b.values[slice.value.name];
        const size = ctx.dep.groups[group]?.size ?? 0;
        if (x !== undefined) accumulateGram(slice.node, x, stats, size, this.rows, rng);
      }
    });
    const out = new Map<number, Float64Array>();
    for (const [g, list] of this.stats) {
      const size = ctx.dep.groups[g]?.size ?? 0;
      const total = new Float64Array(size * size);
      for (const s of list) s.gram.forEach((v, i) => (total[i] = (total[i] as number) + v));
      const order = greedyOrder(total, size);
      const scores = new Float64Array(size);
      order.forEach((c, rank) => (scores[c] = rank));
      out.set(g, scores);
    }
    return out;
  }

  beforePrune(dep: DependencyGraph, plan: RemovalPlan): void {
    for (const [g, removed] of plan) {
      if (removed.length === 0) continue;
      const size = dep.groups[g]?.size ?? 0;
      const kept = [...Array(size).keys()].filter((c) => !removed.includes(c));
      for (const s of this.stats.get(g) ?? []) {
        const node = dep.model.graph.findNode(s.node);
        const w = node?.input(s.input).initializer;
        if (w === undefined) continue;
        const k = kept.length;
        const a = new Float64Array(k * k);
        const rhs = new Float64Array(k);
        kept.forEach((ci, i) => {
          kept.forEach((cj, j) => (a[i * k + j] = s.gram[ci * size + cj] as number));
          for (let c = 0; c < size; c++) rhs[i] = (rhs[i] as number) + (s.gram[ci * size + c] as number);
        });
        const scale = solveSpd(a, rhs, k);
        const factor = new Float64Array(size).fill(1);
        kept.forEach((c, i) => (factor[c] = scale[i] as number));
        scaleAxis(w, s.axis, s.channel, factor);
      }
    }
  }
}

/** Multiplies positions of `axis` belonging to the group (channel ≥ 0) by factor[channel]. */
function scaleAxis(w: Tensor, axis: number, channel: Int32Array, factor: Float64Array): void {
  const data = w.data as Float32Array;
  const len = w.dims[axis] as number;
  const inner = w.dims.slice(axis + 1).reduce((x, d) => x * d, 1);
  for (let i = 0; i < data.length; i++) {
    const c = channel[Math.floor(i / inner) % len] as number;
    if (c >= 0) data[i] = (data[i] as number) * (factor[c] as number);
  }
}

/** Adds `rows` sampled contribution vectors x̂ (one per sample, output location and output channel) to the Gram. */
function accumulateGram(node: Node, x: Tensor, stats: SinkStats, size: number, rows: number, rng: Rng): void {
  const w = node.input(1).initializer as Tensor;
  const wd = w.toFloat32();
  const xd = x.toFloat32();
  const n = x.dims[0] as number;
  const contrib = new Float64Array(size);
  const conv = node.opType === 'Conv';
  const outUnits = conv ? (w.dims[0] as number) : (w.dims[1 - stats.axis] as number);
  const positions = x.dims[1] as number;
  const geo = conv ? sampleGeometry(node, x, w) : undefined;
  for (let s = 0; s < n; s++) {
    for (let r = 0; r < rows; r++) {
      contrib.fill(0);
      const o = rng.int(outUnits);
      if (geo === undefined) {
        for (let p = 0; p < positions; p++) {
          const c = stats.channel[p] as number;
          if (c < 0) continue;
          const wv = stats.axis === 1 ? wd[o * positions + p] : wd[p * outUnits + o];
          contrib[c] = (contrib[c] as number) + (wv as number) * (xd[s * positions + p] as number);
        }
      } else {
        const oy = rng.int(geo.oh);
        const ox = rng.int(geo.ow);
        for (let p = 0; p < positions; p++) {
          const c = stats.channel[p] as number;
          if (c < 0) continue;
          let acc = 0;
          for (let ky = 0; ky < geo.kh; ky++) {
            const iy = oy * geo.sy - geo.py + ky * geo.dy;
            if (iy < 0 || iy >= geo.h) continue;
            for (let kx = 0; kx < geo.kw; kx++) {
              const ix = ox * geo.sx - geo.px + kx * geo.dx;
              if (ix < 0 || ix >= geo.w) continue;
              acc += (wd[((o * positions + p) * geo.kh + ky) * geo.kw + kx] as number) * (xd[((s * positions + p) * geo.h + iy) * geo.w + ix] as number);
            }
          }
          contrib[c] = (contrib[c] as number) + acc;
        }
      }
      for (let i = 0; i < size; i++) {
        const ci = contrib[i] as number;
        if (ci === 0) continue;
        for (let j = 0; j < size; j++) stats.gram[i * size + j] = (stats.gram[i * size + j] as number) + ci * (contrib[j] as number);
      }
    }
  }
}

type SampleGeometry = Record<'h' | 'w' | 'kh' | 'kw' | 'sy' | 'sx' | 'py' | 'px' | 'dy' | 'dx' | 'oh' | 'ow', number>;

/** The shared conv geometry flattened into the names the sampling loop above reads. */
function sampleGeometry(node: Node, x: Tensor, w: Tensor): SampleGeometry {
  const g = convGeometry(node, w.dims, [x.dims[2] as number, x.dims[3] as number]);
  const [[h, wid], [kh, kw], [sy, sx]] = [g.inSize, g.kernel, g.strides];
  const [[py, px], [dy, dx], [oh, ow]] = [g.pads, g.dilations, g.outSize];
  return { h, w: wid, kh, kw, sy, sx, py, px, dy, dx, oh, ow };
}
