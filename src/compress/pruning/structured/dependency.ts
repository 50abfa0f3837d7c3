/**
 * Builds the dependency graph of channel pruning: walks the nodes in order, lets each op's rule say how
 * channels flow (channel-rules.ts), and unions coupled channel positions. Every channel position of every
 * activation is an element of a union-find; an element's class is one prunable channel, and classes whose
 * producers were coupled (an Add joining two convs' outputs) form one group.
 *
 * Never pruned: channels of model inputs (not tracked at all) and of graph outputs (the classes). A node
 * whose op has no rule (or whose rule refuses it) blocks every group it touches; `strict` throws instead.
 */
import { UnsupportedOpError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import type { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import { subgraphsOf } from '../../../ir/verify.js';
import { staticShapes, type StaticShapeOf } from '../../../passes/specialize-shapes.js';
import { CHANNEL_RULES } from './channel-rules.js';
import { groupsFromElements, type BlockRecord, type SliceRecord } from './groups.js';
import type { ChannelRule, PropagateContext } from './rule-types.js';
import type { DependencyGraph } from './types.js';

/** Options of `buildDependencyGraph`: strict mode and extra per-op channel rules. */
export interface DependencyOptions {
  /** Throw UnsupportedOpError at the first node that blocks pruning instead of reporting it (default false). */
  readonly strict?: boolean;
  /** Rules added to (or replacing entries of) the built-in table, by op type. */
  readonly rules?: ReadonlyMap<string, ChannelRule>;
}

/** Union-find over channel elements; each element remembers the node that created it. */
export class Elements {
  private readonly parent: number[] = [];
  readonly creator: Array<Node | undefined> = [];

  make(count: number, creator: Node | undefined): Int32Array {
    const ids = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      ids[i] = this.parent.length;
      this.parent.push(this.parent.length);
      this.creator.push(creator);
    }
    return ids;
  }

  find(x: number): number {
    let r = x;
    while (this.parent[r] !== r) r = this.parent[r] as number;
    while (this.parent[x] !== r) {
      const next = this.parent[x] as number;
      this.parent[x] = r;
      x = next;
    }
    return r;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }

  get size(): number {
    return this.parent.length;
  }
}

/** Analyses `model` (not modified) into coupled channel groups. */
export function buildDependencyGraph(model: Model, opts: DependencyOptions = {}): DependencyGraph {
  const staticShape = staticShapes(model);
  const elements = new Elements();
  const maps = new Map<Value, Int32Array>();
  const slices: SliceRecord[] = [];
  const blocks: BlockRecord[] = [];
  for (const node of model.graph.nodes) {
    visit(node, opts, elements, maps, slices, blocks, staticShape);
  }
  for (const v of model.graph.outputs) {
    const ids = maps.get(v);
    if (ids !== undefined) blocks.push({ ids, opType: 'graph output', nodeName: v.name, reason: 'the channels of a graph output are never pruned' });
  }
  return { model, ...groupsFromElements(model, elements, maps, slices, blocks) };
}

function ruleFor(node: Node, opts: DependencyOptions): ChannelRule | undefined {
  if (node.domain !== '' && node.domain !== 'ai.onnx') return undefined;
  if (subgraphsOf(node).length > 0) return undefined;
  return opts.rules?.get(node.opType) ?? CHANNEL_RULES.get(node.opType);
}

function visit(
  node: Node,
  opts: DependencyOptions,
  elements: Elements,
  maps: Map<Value, Int32Array>,
  slices: SliceRecord[],
  blocks: BlockRecord[],
  staticShape: StaticShapeOf,
): void {
  const inputIds = node.inputs.map((v) => (v === undefined ? undefined : maps.get(v)));
  const outputs = new Map<number, Int32Array>();
  const pending: SliceRecord[] = [];
  let blockedBy: string | undefined;
  const ctx: PropagateContext = {
    node,
    ids: (i) => inputIds[i],
    inShape: (i) => staticShape(node.inputs[i]),
    outShape: (k) => staticShape(node.outputs[k]),
    constant: (i): Tensor | undefined => node.inputs[i]?.initializer,
    fresh: (k, count) => void outputs.set(k, elements.make(count, node)),
    share: (k, ids) => void outputs.set(k, ids),
    union: (a, b) => {
      if (a.length !== b.length) {
        blockedBy ??= `coupled activations have ${a.length} and ${b.length} channels`;
        return;
      }
      for (let i = 0; i < a.length; i++) elements.union(a[i] as number, b[i] as number);
    },
    slice: (input, axis, role, on) => void pending.push({ node, input, axis, role, value: on }),
    block: (reason) => void (blockedBy ??= reason),
  };
  const rule = ruleFor(node, opts);
  if (rule === undefined) {
    if (inputIds.every((x) => x === undefined)) return;
    blockedBy = node.domain !== '' && node.domain !== 'ai.onnx' ? `no channel-pruning rule for domain '${node.domain}'` : 'no channel-pruning rule for this op';
  } else {
    rule.propagate(ctx);
  }
  for (const [k, ids] of outputs) {
    const n = staticShape(node.outputs[k])?.[1];
    if (n !== undefined && n !== ids.length) blockedBy ??= `output #${k} has ${n} channels but the rule gave ${ids.length}`;
  }
  if (blockedBy !== undefined) {
    if (opts.strict === true) throw new UnsupportedOpError(node.opType, node.name, `channel pruning (${blockedBy})`);
    for (const ids of inputIds) if (ids !== undefined) blocks.push({ ids, opType: node.opType, nodeName: node.name, reason: blockedBy });
    node.outputs.forEach((o) => {
      const shape = staticShape(o);
      if (shape === undefined || shape.length < 2) return;
      const ids = elements.make(shape[1] as number, node);
      maps.set(o, ids);
      blocks.push({ ids, opType: node.opType, nodeName: node.name, reason: blockedBy as string });
    });
    return;
  }
  for (const [k, ids] of outputs) maps.set(node.output(k), ids);
  for (const s of pending) {
    const t = node.input(s.input).initializer;
    const ids = maps.get(s.value);
    if (t === undefined || ids === undefined || t.dims[s.axis] !== ids.length) {
      const reason = `parameter input #${s.input} axis ${s.axis} does not line up with '${s.value.name}'`;
      if (opts.strict === true) throw new UnsupportedOpError(node.opType, node.name, `channel pruning (${reason})`);
      if (ids !== undefined) blocks.push({ ids, opType: node.opType, nodeName: node.name, reason });
      continue;
    }
    slices.push(s);
  }
}
