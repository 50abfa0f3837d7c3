/** Removing a generator subgraph: nodes whose outputs nobody reads any more, then initializers nobody reads. */
import type { Graph } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';

/** Removes `candidates` that became dead (repeatedly, in reverse order), and the initializers they alone read. */
export function removeDeadNodes(graph: Graph, candidates: readonly Node[]): void {
  const pending = new Set(candidates);
  let changed = true;
  while (changed) {
    changed = false;
    for (const n of [...pending].reverse()) {
      if (n.outputs.some((o) => o.uses.length > 0 || graph.outputs.includes(o))) continue;
      const inputs = n.inputs.filter((v) => v !== undefined);
      graph.removeNode(n);
      pending.delete(n);
      changed = true;
      for (const v of inputs) if (v.initializer !== undefined && v.uses.length === 0) graph.removeInitializer(v);
    }
  }
}
