/**
 * Dead-code elimination: removes nodes (Constant nodes included) whose outputs reach no graph output and no
 * other node, then initializers nothing reads. Graph inputs are the model's interface and stay, as do
 * initializers also listed as graph inputs (overridable defaults). Subgraphs (If / Loop / Scan bodies) are
 * cleaned too; a removed control-flow node releases the outer values its bodies read.
 */
import type { Graph, Model } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { subgraphsOf } from '../ir/verify.js';
import type { Pass, PassResult } from './pass.js';

/** Removes dead nodes and unused initializers from `model`'s graph and its subgraphs, in place. */
export function eliminateDeadCode(model: Model): PassResult {
  return { model, modified: eliminateDeadCodeInGraph(model.graph) };
}

/** The dead-code pass (see {@link eliminateDeadCode}). */
export const eliminateDeadCodePass: Pass = { name: 'eliminate-dead-code', run: eliminateDeadCode };

/** Dead-code elimination on one graph (for code that edits a graph without its model); true if it removed anything. */
export function eliminateDeadCodeInGraph(graph: Graph): boolean {
  const outputs = new Set(graph.outputs);
  const dead = (n: Node): boolean => n.outputs.every((o) => o.uses.length === 0 && !outputs.has(o));
  let modified = false;
  for (const n of graph.nodes) for (const g of subgraphsOf(n)) modified = eliminateDeadCodeInGraph(g) || modified;
  // Reverse order removes a chain in one sweep when nodes are topological; repeat for any other order.
  for (let changed = true; changed;) {
    changed = false;
    for (const n of [...graph.nodes].reverse()) {
      if (!dead(n)) continue;
      detachSubgraphs(n);
      graph.removeNode(n);
      changed = modified = true;
    }
  }
  const inputs = new Set(graph.inputs.map((v) => v.name));
  for (const v of [...graph.initializers.values()]) {
    if (v.uses.length > 0 || outputs.has(v) || inputs.has(v.name)) continue;
    graph.removeInitializer(v);
    modified = true;
  }
  return modified;
}

/** Disconnects every node of `node`'s subgraphs, so the outer values they captured lose those uses. */
function detachSubgraphs(node: Node): void {
  for (const g of subgraphsOf(node)) {
    for (const n of g.nodes) {
      detachSubgraphs(n);
      n.disconnect();
    }
  }
}
