/**
 * Physical removal of channels: returns a smaller dense model. Works on a copy of the model, whose
 * dependency graph is rebuilt (node order is preserved by the copy, so group ids and channel indices are
 * the same as in the analysis the plan came from). Parameter axes listed by the rules' slices are cut, the
 * rules' `finish` steps fix attributes (depthwise `group`, flatten shape constants), declared channel dims
 * are updated, shapes re-inferred and the graph verified.
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { Graph, Model } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import type { Value } from '../../../ir/value.js';
import { verify } from '../../../ir/verify.js';
import { decodeModel, encodeModel } from '../../../onnx/index.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import { CHANNEL_RULES } from './channel-rules.js';
import { buildDependencyGraph, type DependencyOptions } from './dependency.js';
import type { FinishContext } from './rule-types.js';
import { keptPositions, selectAxes } from './select.js';
import type { DependencyGraph, ParamSlice, RemovalPlan } from './types.js';

/** A deep copy through the ONNX codec. */
export function copyModel(model: Model): Model {
  return decodeModel(encodeModel(model));
}

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
  const copy = copyModel(model);
  const dep = buildDependencyGraph(copy, opts);
  checkPlan(dep, plan);
  const sets = new Map([...plan].map(([g, cs]) => [g, new Set(cs)]));
  const removedOf = new Map<Value, Set<number>>();
  for (const [v, m] of dep.channelsOf) {
    const removed = new Set<number>();
    m.group.forEach((g, i) => {
      if (sets.get(g)?.has(m.channel[i] as number) === true) removed.add(i);
    });
    if (removed.size > 0) removedOf.set(v, removed);
  }
  cutParameters(copy.graph, dep, removedOf);
  finishNodes(copy.graph, dep, removedOf, opts);
  for (const [v, removed] of removedOf) {
    const s = v.shape;
    if (s !== undefined && s.length >= 2 && typeof s[1] === 'number') v.shape = [s[0] ?? null, s[1] - removed.size, ...s.slice(2)];
  }
  inferShapes(copy);
  verify(copy.graph);
  return copy;
}

/** Cuts every sliced parameter once, combining all axes of one node input. */
function cutParameters(graph: Graph, dep: DependencyGraph, removedOf: ReadonlyMap<Value, Set<number>>): void {
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
  for (const { node, input, slices } of byInput.values()) {
    const keep = new Map<number, Int32Array>();
    for (const s of slices) {
      const removed = removedOf.get(s.value);
      if (removed !== undefined) keep.set(s.axis, keptPositions(s.channel.length, removed));
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
}

function finishNodes(graph: Graph, dep: DependencyGraph, removedOf: ReadonlyMap<Value, Set<number>>, opts: DependencyOptions): void {
  const sizeOf = (v: Value): number => dep.channelsOf.get(v)?.group.length ?? 0;
  for (const node of [...graph.nodes]) {
    const rule = opts.rules?.get(node.opType) ?? CHANNEL_RULES.get(node.opType);
    if (rule?.finish === undefined) continue;
    if (!node.inputs.concat(node.outputs).some((v) => v !== undefined && removedOf.has(v))) continue;
    const ctx: FinishContext = {
      node,
      graph,
      kept: (v) => sizeOf(v) - (removedOf.get(v)?.size ?? 0),
      changed: (v) => removedOf.has(v),
    };
    rule.finish(ctx);
  }
}
