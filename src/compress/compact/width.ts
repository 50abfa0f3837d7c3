/**
 * Width multiplier on any model: every coupled channel group (structured pruning's dependency analysis:
 * residual adds, concats, depthwise convs and flatten → fc blocks stay consistent) gets round(size · α)
 * channels; groups the analysis blocks (graph outputs, unsupported ops) keep theirs. New channels are the
 * old ones cycled (0, 1, ..., size−1, 0, 1, ...), so narrowing keeps a prefix and widening replicates.
 * 'he' then re-draws the resized layers' weights (zoo initialisation); 'fit' keeps the kept / replicated
 * weights and divides a consumer's weights by each channel's replica count (Net2WiderNet), which leaves the
 * function unchanged when widening.
 */
import { SlimnetError } from '../../ir/errors.js';
import type { Graph, Model } from '../../ir/graph.js';
import type { Node } from '../../ir/node.js';
import { Tensor } from '../../ir/tensor.js';
import { buildDependencyGraph } from '../pruning/structured/dependency.js';
import { resizeChannels, type ResizedSlice } from '../pruning/structured/prune.js';
import { isClassifier, type LayerMaker } from './graph-util.js';
import { defineRewrite } from './rule.js';
import type { SkippedLayer } from './types.js';

const LAYERS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/** Fresh zoo-style values for every parameter of a resized node. */
function redraw(graph: Graph, node: Node, make: LayerMaker): void {
  const set = (i: number, t: (dims: readonly number[]) => Tensor): void => {
    const v = node.inputs[i];
    const old = v?.initializer;
    if (v === undefined || old === undefined) return;
    v.initializer = t(old.dims);
  };
  const zeros = (dims: readonly number[]): Tensor => Tensor.f32(dims);
  const ones = (dims: readonly number[]): Tensor => Tensor.f32(dims, new Array<number>(dims.reduce((a, d) => a * d, 1)).fill(1));
  const classifier = isClassifier(graph, node);
  const draw = (fanIn: number, fanOut: number) => (dims: readonly number[]): Tensor => (classifier ? make.xavier(dims, fanIn, fanOut) : make.he(dims, fanIn));
  const spatial = (dims: readonly number[]): number => dims.slice(2).reduce((a, d) => a * d, 1);
  if (node.opType === 'Conv' || node.opType === 'ConvTranspose') {
    const w = node.inputs[1]?.initializer;
    if (w === undefined) return;
    const [a, b] = w.dims as [number, number];
    const k = spatial(w.dims);
    set(1, node.opType === 'Conv' ? draw(b * k, a * k) : draw(a * k, b * k));
    set(2, zeros);
  } else if (node.opType === 'Gemm' || node.opType === 'MatMul') {
    const w = node.inputs[1]?.initializer;
    if (w === undefined) return;
    const transB = node.opType === 'Gemm' && node.attrInt('transB', 0) === 1;
    const [r, c] = w.dims as [number, number];
    set(1, draw(transB ? c : r, transB ? r : c));
    set(2, zeros);
  } else if (node.opType === 'BatchNormalization') {
    [ones, zeros, zeros, ones].forEach((f, i) => set(i + 1, f));
  }
}

/** Net2WiderNet: divide a consumer's weights along the resized input axis by each channel's replica count. */
function shareReplicas(graph: Graph, s: ResizedSlice): void {
  const t = graph.findNode(s.node)?.inputs[s.input]?.initializer;
  if (t === undefined || !(t.data instanceof Float32Array)) return;
  const counts = new Map<number, number>();
  for (const p of s.positions) counts.set(p, (counts.get(p) ?? 0) + 1);
  if ([...counts.values()].every((c) => c === 1)) return;
  const inner = t.dims.slice(s.axis + 1).reduce((a, d) => a * d, 1);
  const dim = t.dims[s.axis] as number;
  const data = t.data;
  for (let i = 0; i < data.length; i++) {
    const j = Math.floor(i / inner) % dim;
    data[i] = (data[i] as number) / (counts.get(s.positions[j] as number) as number);
  }
}

function describe(before: Model, after: Model, name: string): string {
  const dims = (m: Model): string => `[${m.graph.findNode(name)?.inputs[1]?.initializer?.dims.join(',') ?? '?'}]`;
  return `weight ${dims(before)} => ${dims(after)}`;
}

export const widthRewrite = defineRewrite({
  options: {
    widthMult: {
      type: 'number', placeholder: 'ALPHA', description: 'channel multiplier (required, > 0; above 1 widens)',
    },
    divisor: {
      type: 'integer', placeholder: 'N', description: 'round channel counts to multiples of N', default: 1, min: 1,
    },
  },
  name: 'width',
  summary: 'width multiplier: every coupled channel group scaled alike (dependency groups of structured pruning)',
  fits: true,
  needsChange: false,
  apply(ctx, opts) {
    const alpha = opts.widthMult;
    if (alpha === undefined) {
      throw new SlimnetError('INVALID_ARGUMENT', 'rewrite width needs --width-mult ALPHA (widthMult)');
    }
    const divisor = opts.divisor;
    if (!(Number.isFinite(alpha) && alpha > 0)) {
      throw new SlimnetError('INVALID_ARGUMENT', `width: widthMult must be > 0, got ${alpha}`);
    }
    if (!(Number.isInteger(divisor) && divisor >= 1)) throw new SlimnetError('INVALID_ARGUMENT', `width: divisor must be a positive integer, got ${divisor}`);
    const dep = buildDependencyGraph(ctx.model);
    const named = new Set(ctx.layers ?? []);
    for (const name of named) {
      if (!dep.groups.some((g) => g.sources.some((n) => n.name === name))) {
        throw new SlimnetError('INVALID_ARGUMENT', `width: '${name}' creates no channel group; groups: ${dep.groups.map((g) => g.name).join(', ')}`);
      }
    }
    const layout = new Map<number, number[]>();
    const skipped: SkippedLayer[] = [];
    for (const g of dep.groups) {
      if (named.size > 0 && !g.sources.some((n) => named.has(n.name))) continue;
      const blocks = g.blocked.filter((b) => b.opType !== 'graph output');
      if (g.blocked.length > 0) {
        if (blocks.length > 0) skipped.push({ layer: g.name, reason: blocks.map((b) => `${b.opType} '${b.nodeName}': ${b.reason}`).join('; ') });
        continue;
      }
      const size = Math.max(divisor, Math.round((g.size * alpha) / divisor) * divisor);
      if (size !== g.size) layout.set(g.id, Array.from({ length: size }, (_, i) => i % g.size));
    }
    if (layout.size === 0) return { changes: [], skipped };
    const { model, slices } = resizeChannels(ctx.model, layout);
    const touched = [...new Set(slices.map((s) => s.node))];
    if (ctx.init === 'fit') for (const s of slices) if (s.role === 'in') shareReplicas(model.graph, s);
    const nodes = touched.map((name) => model.graph.findNode(name)).filter((n): n is Node => n !== undefined);
    if (ctx.init === 'he') for (const n of nodes) redraw(model.graph, n, ctx.make);
    const changes = nodes.filter((n) => LAYERS.has(n.opType)).map((n) => ({ layers: [n.name], into: [n.name], detail: describe(ctx.model, model, n.name) }));
    return { model, changes, skipped };
  },
});
