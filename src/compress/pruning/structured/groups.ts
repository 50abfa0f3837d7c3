/**
 * From coupled channel elements to groups: a channel is a union-find class of elements; channels whose
 * creators are coupled (one class holding elements created by two nodes) belong to one group. Groups and
 * the channels inside them are numbered in graph order.
 */
import type { Model } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import type { Value } from '../../../ir/value.js';
import type { Elements } from './dependency.js';
import type { BlockReason, ChannelGroup, DependencyGraph, GroupValue, ParamSlice, SliceRole } from './types.js';

export interface SliceRecord {
  readonly node: Node;
  readonly input: number;
  readonly axis: number;
  readonly role: SliceRole;
  readonly value: Value;
}

export interface BlockRecord {
  readonly ids: Int32Array;
  readonly opType: string;
  readonly nodeName: string;
  readonly reason: string;
}

class Creators {
  private readonly parent = new Map<Node | undefined, Node | undefined>();
  find(n: Node | undefined): Node | undefined {
    let r = n;
    while (this.parent.has(r) && this.parent.get(r) !== r) r = this.parent.get(r);
    return r;
  }
  union(a: Node | undefined, b: Node | undefined, order: ReadonlyMap<Node | undefined, number>): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    const first = (order.get(ra) ?? -1) <= (order.get(rb) ?? -1) ? ra : rb;
    this.parent.set(ra, first);
    this.parent.set(rb, first);
  }
}

export function groupsFromElements(
  model: Model,
  elements: Elements,
  maps: ReadonlyMap<Value, Int32Array>,
  sliceRecords: readonly SliceRecord[],
  blockRecords: readonly BlockRecord[],
): Omit<DependencyGraph, 'model'> {
  const order = new Map<Node | undefined, number>(model.graph.nodes.map((n, i) => [n, i]));
  // Channels (class roots) that some activation carries, and their creators coupled.
  const roots = new Set<number>();
  const creators = new Creators();
  for (const ids of maps.values()) for (const e of ids) roots.add(elements.find(e));
  for (let e = 0; e < elements.size; e++) {
    const r = elements.find(e);
    if (roots.has(r)) creators.union(elements.creator[e], elements.creator[r], order);
  }
  // Group key = the coupled creators' representative; channels ordered by their root element (graph order).
  const byKey = new Map<Node | undefined, number[]>();
  for (const r of [...roots].sort((a, b) => a - b)) {
    const key = creators.find(elements.creator[r]);
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [r]);
    else list.push(r);
  }
  const groupOfRoot = new Map<number, { group: number; channel: number }>();
  const keys = [...byKey.keys()];
  keys.forEach((key, g) => (byKey.get(key) as number[]).forEach((r, c) => groupOfRoot.set(r, { group: g, channel: c })));

  const channelsOf = new Map<Value, { group: Int32Array; channel: Int32Array }>();
  for (const [v, ids] of maps) {
    const group = new Int32Array(ids.length);
    const channel = new Int32Array(ids.length);
    ids.forEach((e, i) => {
      const at = groupOfRoot.get(elements.find(e)) as { group: number; channel: number };
      group[i] = at.group;
      channel[i] = at.channel;
    });
    channelsOf.set(v, { group, channel });
  }
  const restrict = (v: Value, g: number): Int32Array | undefined => {
    const m = channelsOf.get(v);
    if (m === undefined || !m.group.includes(g)) return undefined;
    return m.channel.map((c, i) => (m.group[i] === g ? c : -1));
  };
  const sourcesOf = keys.map(() => new Set<Node>());
  for (let e = 0; e < elements.size; e++) {
    const at = groupOfRoot.get(elements.find(e));
    const c = elements.creator[e];
    if (at !== undefined && c !== undefined) sourcesOf[at.group]?.add(c);
  }

  const groups: ChannelGroup[] = keys.map((key, g) => {
    const values: GroupValue[] = [];
    const nodes = new Set<Node>();
    for (const v of maps.keys()) {
      const channel = restrict(v, g);
      if (channel === undefined) continue;
      values.push({ value: v, channel });
      if (v.producer !== undefined) nodes.add(v.producer);
      for (const u of v.uses) nodes.add(u.node);
    }
    const slices: ParamSlice[] = [];
    for (const s of sliceRecords) {
      const channel = restrict(s.value, g);
      if (channel !== undefined) slices.push({ ...s, channel });
    }
    const sources = sourcesOf[g] as Set<Node>;
    for (const sl of slices) if (sl.role === 'out') sources.add(sl.node);
    const byOrder = (a: Node, b: Node): number => (order.get(a) ?? 0) - (order.get(b) ?? 0);
    const sourceList = [...sources].sort(byOrder);
    return {
      id: g,
      name: sourceList[0]?.name ?? `group${g}`,
      size: (byKey.get(key) as number[]).length,
      sources: sourceList,
      nodes: [...nodes].sort(byOrder),
      slices,
      values,
      blocked: [] as BlockReason[],
    };
  });
  for (const b of blockRecords) {
    const hit = new Set<number>();
    for (const e of b.ids) {
      const at = groupOfRoot.get(elements.find(e));
      if (at !== undefined) hit.add(at.group);
    }
    for (const g of hit) {
      const list = (groups[g] as ChannelGroup).blocked as BlockReason[];
      if (!list.some((x) => x.nodeName === b.nodeName && x.reason === b.reason)) {
        list.push({ groupId: g, opType: b.opType, nodeName: b.nodeName, reason: b.reason });
      }
    }
  }
  return { groups, channelsOf };
}
