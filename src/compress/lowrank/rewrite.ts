/**
 * Puts a chain of stages in place of a node: the first stage reads the node's input, the last one writes
 * the node's output value (so every consumer stays wired), the original bias / Gemm C goes to the stage
 * marked `bias`, and the old weight initializer is dropped once nothing reads it.
 */
import { SlimnetError } from '../../ir/errors.js';
import type { Graph } from '../../ir/graph.js';
import { Node } from '../../ir/node.js';
import { Value } from '../../ir/value.js';
import type { Stage } from './methods/types.js';

/** Replaces `node` by `stages`; returns the new nodes in order. */
export function replaceWithStages(graph: Graph, node: Node, stages: readonly Stage[]): Node[] {
  if (stages.length === 0) throw new SlimnetError('INVALID_ARGUMENT', `no stages to replace node '${node.name}'`);
  const index = graph.indexOf(node);
  if (index < 0) throw new SlimnetError('INVALID_ARGUMENT', `node '${node.name}' is not in graph '${graph.name}'`);
  const x = node.input(0);
  const bias = node.inputs[2];
  const weight = node.inputs[1];
  const y = node.output(0);
  if (node.outputs.length !== 1) throw new SlimnetError('INVALID_ARGUMENT', `node '${node.name}' has ${node.outputs.length} outputs; only single-output layers are factored`);
  graph.removeNode(node, true);
  let prev = x;
  const created: Node[] = [];
  stages.forEach((s, k) => {
    const w = graph.addInitializer(graph.uniqueName(`${node.name}.${s.suffix}.weight`), s.weight);
    const n = new Node(s.op, graph.uniqueName(`${node.name}/${s.suffix}`));
    n.setInputs(s.bias && bias !== undefined ? [prev, w, bias] : [prev, w]);
    for (const [key, value] of Object.entries(s.attrs)) n.setAttr(key, value);
    if (k === stages.length - 1) n.setOutput(0, y);
    else n.addOutput(new Value(graph.uniqueName(`${n.name}_out`), 'float32'));
    graph.addNode(n, index + k);
    created.push(n);
    prev = n.output(0);
  });
  if (weight !== undefined && weight.uses.length === 0 && weight.initializer !== undefined && !graph.inputs.includes(weight)) {
    graph.removeInitializer(weight);
  }
  return created;
}
