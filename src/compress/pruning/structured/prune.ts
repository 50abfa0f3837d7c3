/**
 * Physical removal of channels: returns a smaller dense model. Works on a copy of the model, whose
 * dependency graph is rebuilt (node order is preserved by the copy, so group ids and channel indices are
 * the same as in the analysis the plan came from). Parameter axes listed by the rules' slices are cut, the
 * rules' `finish` steps fix attributes (depthwise `group`, flatten shape constants), declared channel dims
 * are updated, shapes re-inferred and the graph verified. `resizeChannels` is the general form: any new
 * channel layout per group, replicas allowed (width multipliers above 1).
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { Graph, Model } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import type { Value } from '../../../ir/value.js';
import { verify } from '../../../ir/verify.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import { CHANNEL_RULES } from './channel-rules.js';
import { buildDependencyGraph, type DependencyOptions } from './dependency.js';
import type { FinishContext } from './rule-types.js';
import { keptPositions, selectAxes } from './select.js';
import type { ChannelGroup, DependencyGraph, ParamSlice, RemovalPlan, SliceRole } from './types.js';

/** Checks a plan against the analysis: known, unblocked groups; channel indices in range; ≥ 1 channel kept. */
export function checkPlan(dep: DependencyGraph, plan: RemovalPlan): void {
  for (const [id, channels] of plan) {
    const g = dep.groups[id];
    if (g === undefined) throw new SlimnetError('INVALID_ARGUMENT', `pruning plan names group ${id}; the model has ${dep.groups.length} groups`);
    if (channels.length === 0) continue;
    if (g.blocked.length > 0) {
      const b = g.blocked[0];
      throw new SlimnetError('INVALID_ARGUMENT', `group ${id} ('${g.name}') is blocked by ${b?.opType} '${b?.nodeName}': ${b?.reason}`);
    }
    const set = new Set(channels);
    if ([...set].some((c) => !Number.isInteger(c) || c < 0 || c >= g.size)) {
      throw new SlimnetError('INVALID_ARGUMENT', `group ${id} ('${g.name}') has ${g.size} channels; the plan lists [${channels.join(',')}]`);
    }
    if (set.size >= g.size) throw new SlimnetError('INVALID_ARGUMENT', `group ${id} ('${g.name}') must keep at least one channel`);
  }
}

/** Removes the planned channels from a copy of `model` and returns the copy. */
export function pruneChannels(model: Model, plan: RemovalPlan, opts: DependencyOptions = {}): Model {
  const copy = model.clone();
  const dep = buildDependencyGraph(copy, opts);
  checkPlan(dep, plan);
  const layout = new Map<number, Int32Array>();
  for (const [id, channels] of plan) {
    if (channels.length > 0) layout.set(id, keptPositions((dep.groups[id] as ChannelGroup).size, new Set(channels)));
  }
  applyLayout(copy, dep, layout, opts);
  return copy;
}

/** One parameter axis rewritten by `resizeChannels`: its new positions, as indices into the old axis. */
export interface ResizedSlice {
  readonly node: string;
  readonly input: number;
  readonly axis: number;
  readonly role: SliceRole;
  readonly positions: Int32Array;
}

/**
 * Gives groups a new channel layout on a copy of `model`: `layout` maps a group id to the old channel index
 * of each new channel, so a prefix keeps channels, and repeated indices replicate them (widening). Every
 * coupled parameter axis is rebuilt from those channels (replicas are copies) and attributes / shape
 * constants follow. Returns the copy and the rewritten parameter axes.
 */
export function resizeChannels(
  model: Model,
  layout: ReadonlyMap<number, ArrayLike<number>>,
  opts: DependencyOptions = {},
): { model: Model; slices: ResizedSlice[] } {
  const copy = model.clone();
  const dep = buildDependencyGraph(copy, opts);
  const checked = new Map<number, Int32Array>();
  for (const [id, channels] of layout) {
    const g = dep.groups[id];
    if (g === undefined) throw new SlimnetError('INVALID_ARGUMENT', `channel layout names group ${id}; the model has ${dep.groups.length} groups`);
    if (g.blocked.length > 0) {
      const b = g.blocked[0];
      throw new SlimnetError('INVALID_ARGUMENT', `group ${id} ('${g.name}') is blocked by ${b?.opType} '${b?.nodeName}': ${b?.reason}`);
    }
    const list = Int32Array.from(channels);
    if (list.length === 0 || list.some((c) => c < 0 || c >= g.size)) {
      throw new SlimnetError('INVALID_ARGUMENT', `group ${id} ('${g.name}') has ${g.size} channels; the layout must list 1 or more of them, got [${[...list].join(',')}]`);
    }
    checked.set(id, list);
  }
  return { model: copy, slices: applyLayout(copy, dep, checked, opts) };
}

/** Rewrites `model` (analysed as `dep`) in place so each listed group has the given channel layout. */
function applyLayout(model: Model, dep: DependencyGraph, layout: ReadonlyMap<number, Int32Array>, opts: DependencyOptions): ResizedSlice[] {
  const positionsOf = new Map<Value, Int32Array>();
  for (const [v, m] of dep.channelsOf) {
    if (![...layout.keys()].some((g) => m.group.includes(g))) continue;
    positionsOf.set(v, valuePositions(v, m.group, m.channel, layout));
  }
  const slices = cutParameters(model.graph, dep, positionsOf);
  finishNodes(model.graph, dep, positionsOf, opts);
  for (const [v, positions] of positionsOf) {
    const s = v.shape;
    if (s !== undefined && s.length >= 2 && typeof s[1] === 'number') v.shape = [s[0] ?? null, positions.length, ...s.slice(2)];
  }
  inferShapes(model);
  verify(model.graph);
  return slices;
}

/**
 * New positions of a value's axis 1: each run of positions belonging to one re-laid-out group is replaced
 * by the positions of the layout's channels in order (a channel may span several positions, e.g. after a
 * flatten); other positions stay.
 */
function valuePositions(v: Value, group: Int32Array, channel: Int32Array, layout: ReadonlyMap<number, Int32Array>): Int32Array {
  const out: number[] = [];
  let i = 0;
  while (i < group.length) {
    const g = group[i] as number;
    let j = i;
    while (j < group.length && group[j] === g) j++;
    const order = layout.get(g);
    if (order === undefined) {
      for (let p = i; p < j; p++) out.push(p);
    } else {
      const at = new Map<number, number[]>();
      for (let p = i; p < j; p++) {
        const c = channel[p] as number;
        const list = at.get(c);
        if (list === undefined) at.set(c, [p]);
        else list.push(p);
      }
      for (const c of order) {
        const list = at.get(c);
        if (list === undefined) throw new SlimnetError('INVALID_ARGUMENT', `value '${v.name}' does not carry channel ${c} of group ${g} where its other channels are`);
        out.push(...list);
      }
    }
    i = j;
  }
  return Int32Array.from(out);
}

/** Rebuilds every sliced parameter once, combining all axes of one node input. */
function cutParameters(graph: Graph, dep: DependencyGraph, positionsOf: ReadonlyMap<Value, Int32Array>): ResizedSlice[] {
  const byInput = new Map<string, { node: Node; input: number; slices: ParamSlice[] }>();
  const index = new Map(graph.nodes.map((n, i) => [n, i]));
  for (const g of dep.groups) {
    for (const s of g.slices) {
      const key = `${index.get(s.node)}:${s.input}`;
      const entry = byInput.get(key) ?? { node: s.node, input: s.input, slices: [] };
      if (!entry.slices.some((x) => x.axis === s.axis)) entry.slices.push(s);
      byInput.set(key, entry);
    }
  }
  const replaced = new Set<Value>();
  const done: ResizedSlice[] = [];
  for (const { node, input, slices } of byInput.values()) {
    const keep = new Map<number, Int32Array>();
    for (const s of slices) {
      const positions = positionsOf.get(s.value);
      if (positions === undefined) continue;
      keep.set(s.axis, positions);
      done.push({ node: node.name, input, axis: s.axis, role: s.role, positions });
    }
    if (keep.size === 0) continue;
    const v = node.input(input);
    const t = v.initializer;
    if (t === undefined) throw new SlimnetError('INVALID_ARGUMENT', `node '${node.name}' input #${input} is no longer an initializer`);
    const cut = selectAxes(t, keep);
    if (v.uses.length === 1) {
      v.initializer = cut;
      v.shape = [...cut.dims];
    } else {
      node.setInput(input, graph.addInitializer(graph.uniqueName(`${v.name}_pruned`), cut));
      replaced.add(v);
    }
  }
  for (const v of replaced) if (v.uses.length === 0 && !graph.inputs.includes(v)) graph.removeInitializer(v);
  return done;
}

function finishNodes(graph: Graph, dep: DependencyGraph, positionsOf: ReadonlyMap<Value, Int32Array>, opts: DependencyOptions): void {
  const sizeOf = (v: Value): number => dep.channelsOf.get(v)?.group.length ?? 0;
  const changed = (v: Value): boolean => {
    const p = positionsOf.get(v);
    return p !== undefined && (p.length !== sizeOf(v) || p.some((x, i) => x !== i));
  };
  for (const node of [...graph.nodes]) {
    const rule = opts.rules?.get(node.opType) ?? CHANNEL_RULES.get(node.opType);
    if (rule?.finish === undefined) continue;
    if (!node.inputs.concat(node.outputs).some((v) => v !== undefined && changed(v))) continue;
    const ctx: FinishContext = {
      node,
      graph,
      kept: (v) => positionsOf.get(v)?.length ?? sizeOf(v),
      changed,
    };
    rule.finish(ctx);
  }
}
