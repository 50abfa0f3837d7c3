/**
 * Peak activation memory, "peak-ish": runs the nodes in graph order, keeping a value alive from its
 * production (graph inputs: from the start) until its last consumer has run; graph outputs stay alive to
 * the end. Initializers and Constant outputs are weights, not activations. No in-place reuse or arena
 * fragmentation is modelled, so this is an estimate of what a runtime would need.
 */
import type { Graph } from '../ir/graph.js';
import type { Value } from '../ir/value.js';

/**
 * The largest total size of activations alive at once when the graph's nodes run in order (graph inputs included,
 * initializers and constants excluded), with sizes given by `bytesOf`.
 */
export function activationPeak(graph: Graph, bytesOf: (v: Value) => number): number {
  const lastUse = new Map<Value, number>();
  graph.nodes.forEach((n, i) => {
    for (const v of n.inputs) if (v !== undefined) lastUse.set(v, i);
  });
  const keep = new Set(graph.outputs);
  const isActivation = (v: Value): boolean => v.initializer === undefined && v.producer?.opType !== 'Constant';
  let live = 0;
  for (const v of graph.inputs) if (isActivation(v)) live += bytesOf(v);
  let peak = live;
  const release = (v: Value, at: number): void => {
    if (!keep.has(v) && isActivation(v) && (lastUse.get(v) ?? -1) <= at) live -= bytesOf(v);
  };
  graph.nodes.forEach((n, i) => {
    for (const o of n.outputs) if (isActivation(o)) live += bytesOf(o);
    peak = Math.max(peak, live);
    const inputs = new Set(n.inputs);
    for (const v of inputs) if (v !== undefined && lastUse.get(v) === i && (v.producer !== undefined || graph.inputs.includes(v))) release(v, i);
    for (const o of n.outputs) if (!lastUse.has(o)) release(o, i);
  });
  return peak;
}
