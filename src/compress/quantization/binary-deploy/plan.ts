/**
 * Splits a model around its binary layers: the nodes between two binary layers (in topological order)
 * become one onnxruntime segment — a small ONNX model whose inputs are the values it reads from earlier steps
 * and whose outputs are the values later steps (or the graph outputs) read — and each binary layer becomes a
 * kernel step, placed where its last folded node (Add, Mul or the Conv/Gemm itself) was, reading its input
 * (and residual) and writing its output. Sign nodes read only by binary layers, folded BatchNorm / Mul / Add
 * nodes and nodes whose results nobody needs are not run at all.
 */
import { ShapeError, UnsupportedOpError } from '../../../ir/errors.js';
import { Graph, Model } from '../../../ir/graph.js';
import { Node } from '../../../ir/node.js';
import { Value } from '../../../ir/value.js';
import { constantValue } from '../../../onnx/index.js';
import { inferValueInfo } from '../../../passes/infer-shapes.js';
import type { BinaryLayer } from './detect.js';

/** One step of the split model. */
export type Step =
  | { readonly kind: 'onnxruntime'; readonly model: Model; readonly inputs: readonly string[]; readonly outputs: readonly string[]; readonly nodes: number }
  | { readonly kind: 'xnor'; readonly layer: BinaryLayer; readonly input: string; readonly residual: string | undefined; readonly output: string };

/** Splits `model` (already topologically sorted) around `layers`. Does not modify the model. */
export function splitAroundBinaryLayers(model: Model, layers: readonly BinaryLayer[]): Step[] {
  const g = model.graph;
  for (const n of g.nodes) {
    if ([...n.attributes.values()].some((a) => a.type === 'graph' || a.type === 'graphs')) {
      throw new UnsupportedOpError(n.opType, n.name, 'splitting a model with control flow around binary layers');
    }
  }
  const mains = new Set(layers.map((l) => l.node));
  const byAnchor = new Map(layers.map((l) => [l.add ?? l.mul ?? l.node, l]));
  const absorbed = new Set<Node>();
  for (const l of layers) for (const n of [l.node, l.mul, l.add]) if (n !== undefined) absorbed.add(n);
  for (const l of layers) {
    const s = l.sign.output(0);
    if (!g.outputs.includes(s) && s.uses.every((u) => mains.has(u.node))) absorbed.add(l.sign);
  }
  const live = liveNodes(g, byAnchor, absorbed);

  // Group the live nodes into steps.
  const groups: Array<Node[] | BinaryLayer> = [];
  let current: Node[] = [];
  for (const n of g.nodes) {
    if (!live.has(n)) continue;
    const layer = byAnchor.get(n);
    if (layer === undefined) {
      current.push(n);
      continue;
    }
    if (current.length > 0) groups.push(current);
    current = [];
    groups.push(layer);
  }
  if (current.length > 0) groups.push(current);

  // The step that last reads each value (graph outputs count as read after the last step).
  const lastRead = new Map<Value, number>();
  groups.forEach((grp, i) => {
    const reads = Array.isArray(grp) ? grp.flatMap((n) => n.inputs) : [grp.input, grp.residual];
    for (const v of reads) if (v !== undefined) lastRead.set(v, i);
  });
  for (const v of g.outputs) lastRead.set(v, groups.length);

  const info = inferValueInfo(model);
  return groups.map((grp, i) => {
    if (!Array.isArray(grp)) return { kind: 'xnor', layer: grp, input: grp.input.name, residual: grp.residual?.name, output: grp.output.name };
    const produced = new Set(grp.flatMap((n) => n.outputs));
    const inputs = [...new Set(grp.flatMap((n) => n.inputs))].filter(
      (v): v is Value => v !== undefined && !produced.has(v) && constantValue(v) === undefined,
    );
    const outputs = [...produced].filter(
      (v) => v.name !== '' && (lastRead.get(v) ?? -1) > i && (constantValue(v) === undefined || g.outputs.includes(v)),
    );
    const sub = segmentModel(model, `${g.name}/segment${i}`, grp, inputs, outputs, info);
    return { kind: 'onnxruntime', model: sub, inputs: inputs.map((v) => v.name), outputs: outputs.map((v) => v.name), nodes: grp.length };
  });
}

/** Nodes whose results reach a graph output (a binary layer's anchor reads its input and residual). */
function liveNodes(g: Graph, byAnchor: ReadonlyMap<Node, BinaryLayer>, absorbed: ReadonlySet<Node>): Set<Node> {
  const needed = new Set<Value>(g.outputs);
  const live = new Set<Node>();
  const nodes = g.nodes;
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i] as Node;
    const layer = byAnchor.get(n);
    if (layer !== undefined) {
      if (needed.has(layer.output)) {
        live.add(n);
        needed.add(layer.input);
        if (layer.residual !== undefined) needed.add(layer.residual);
      }
      continue;
    }
    if (absorbed.has(n) || !n.outputs.some((o) => needed.has(o))) continue;
    live.add(n);
    for (const v of n.inputs) if (v !== undefined) needed.add(v);
  }
  return live;
}

type Infos = ReturnType<typeof inferValueInfo>;

function segmentModel(model: Model, name: string, nodes: readonly Node[], inputs: readonly Value[], outputs: readonly Value[], info: Infos): Model {
  const g = new Graph(name);
  const map = new Map<Value, Value>();
  const typed = (v: Value): Value => {
    const i = info.get(v);
    return new Value(v.name, i?.dtype ?? v.dtype, i?.shape ?? v.shape);
  };
  const boundary = (v: Value): Value => {
    if (v.dtype === undefined) throw new ShapeError(`cannot tell the element type of '${v.name}', which crosses a binary-layer boundary`);
    return v;
  };
  for (const v of inputs) map.set(v, g.addInput(boundary(typed(v))));
  const valueOf = (v: Value): Value => {
    let m = map.get(v);
    const c = m === undefined ? constantValue(v) : undefined;
    if (c !== undefined) m = g.addInitializer(v.name, c);
    if (m === undefined) throw new ShapeError(`segment '${name}' reads '${v.name}', which no earlier step provides`);
    map.set(v, m);
    return m;
  };
  for (const n of nodes) {
    const copy = new Node(n.opType, n.name, n.domain);
    for (const [k, a] of n.attributes) copy.attributes.set(k, a);
    copy.setInputs(n.inputs.map((v) => (v === undefined ? undefined : valueOf(v))));
    for (const o of n.outputs) {
      const out = o.name === '' ? new Value('') : typed(o);
      copy.addOutput(out);
      map.set(o, out);
    }
    g.addNode(copy);
  }
  for (const v of outputs) g.addOutput(boundary(map.get(v) as Value));
  const m = new Model(g, model.opset());
  for (const [domain, version] of model.opsetImports) m.opsetImports.set(domain, version);
  m.irVersion = model.irVersion;
  return m;
}
