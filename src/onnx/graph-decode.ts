/**
 * GraphProto -> Graph. Keeps the file's node order. Names are resolved in the graph's own scope first,
 * then in enclosing graphs: an outer-scope name used by a subgraph becomes an entry of the subgraph's
 * `captures`, linked to the outer Value itself (so the outer value's `uses` see the subgraph nodes).
 */
import type { GraphProto, NodeProto } from 'onnx-buf';
import { Graph } from '../ir/graph.js';
import { Node } from '../ir/node.js';
import { Value } from '../ir/value.js';
import { decodeAttribute } from './attribute-codec.js';
import type { DecodeContext } from './context.js';
import { extras } from './extras.js';
import { decodeTensor } from './tensor-codec.js';
import { applyValueInfo } from './type-codec.js';

/** Finds a value by name in enclosing scopes (recording captures on the way). */
export type OuterScope = (name: string) => Value | undefined;

function nodeLabel(np: NodeProto, index: number): string {
  return np.name !== '' ? `node '${np.name}' (${np.opType})` : `node #${index} (${np.opType})`;
}

/**
 * Decodes a GraphProto: initializers, inputs, nodes (with their subgraphs), outputs and value_info.
 * `outer` resolves names of enclosing graphs; `what` names the graph in errors when it has no name.
 */
export function decodeGraph(gp: GraphProto, ctx: DecodeContext, outer?: OuterScope, what = 'graph'): Graph {
  const g = new Graph(gp.name);
  g.docString = gp.docString;
  const label = gp.name !== '' ? `graph '${gp.name}'` : what;
  const scope = new Map<string, Value>();

  const lookup = (name: string): Value | undefined => {
    const local = scope.get(name) ?? g.captures.get(name);
    if (local !== undefined || outer === undefined) return local;
    const v = outer(name);
    if (v !== undefined) g.captures.set(name, v);
    return v;
  };

  for (const tp of gp.initializer) {
    if (scope.has(tp.name)) throw ctx.error(`${label}: duplicate initializer '${tp.name}'`);
    const v = g.addInitializer(tp.name, decodeTensor(tp, `initializer '${tp.name}'`, ctx));
    scope.set(tp.name, v);
  }

  // Sparse initializers are kept as protos; their names still resolve, to standalone values.
  for (const sp of gp.sparseInitializer) {
    const name = sp.values?.name ?? '';
    if (name !== '' && !scope.has(name)) scope.set(name, new Value(name));
  }

  const declaredInputs = new Set<string>();
  for (const vi of gp.input) {
    if (declaredInputs.has(vi.name)) throw ctx.error(`${label}: input '${vi.name}' is declared twice`);
    declaredInputs.add(vi.name);
    // Old-style models list initializers among the inputs too: the same Value plays both roles.
    const v = scope.get(vi.name) ?? new Value(vi.name);
    applyValueInfo(v, vi, `${label} input '${vi.name}'`, ctx);
    g.addInput(v);
    scope.set(vi.name, v);
  }

  gp.node.forEach((np, index) => {
    const where = nodeLabel(np, index);
    if (np.opType === '') throw ctx.error(`${label} ${where} has no op_type`);
    const node = new Node(np.opType, np.name, np.domain);
    node.docString = np.docString;
    for (const ap of np.attribute) {
      const sub = (sg: GraphProto, subWhat: string): Graph => decodeGraph(sg, ctx, lookup, subWhat);
      node.attributes.set(ap.name, decodeAttribute(ap, `${label} ${where}`, ctx, sub));
    }
    node.setInputs(np.input.map((name) => {
      if (name === '') return undefined;
      const v = lookup(name);
      if (v === undefined) throw ctx.error(`${label} ${where} uses value '${name}', which is not defined before it`);
      return v;
    }));
    for (const name of np.output) {
      if (name !== '' && scope.has(name)) throw ctx.error(`${label} ${where} redefines value '${name}'`);
      const v = node.addOutput(new Value(name));
      if (name !== '') scope.set(name, v);
    }
    if (np.overload !== '' || np.metadataProps.length > 0 || np.deviceConfigurations.length > 0) {
      const ex = extras.nodeW(node);
      if (np.overload !== '') ex.overload = np.overload;
      if (np.metadataProps.length > 0) ex.metadataProps = np.metadataProps;
      if (np.deviceConfigurations.length > 0) ex.deviceConfigurations = np.deviceConfigurations;
    }
    g.addNode(node);
  });

  for (const vi of gp.output) {
    const v = lookup(vi.name);
    if (v === undefined) {
      throw ctx.error(`${label}: output '${vi.name}' is not defined by any input, initializer or node`);
    }
    applyValueInfo(v, vi, `${label} output '${vi.name}'`, ctx);
    g.addOutput(v);
  }

  for (const vi of gp.valueInfo) {
    const v = scope.get(vi.name) ?? g.captures.get(vi.name);
    if (v === undefined) {
      (extras.graphW(g).orphanValueInfo ??= []).push(vi);
      continue;
    }
    applyValueInfo(v, vi, `${label} value_info '${vi.name}'`, ctx);
    g.declaredValueInfo.add(vi.name);
  }

  if (gp.sparseInitializer.length > 0 || gp.quantizationAnnotation.length > 0 || gp.metadataProps.length > 0) {
    const ex = extras.graphW(g);
    if (gp.sparseInitializer.length > 0) ex.sparseInitializer = gp.sparseInitializer;
    if (gp.quantizationAnnotation.length > 0) ex.quantizationAnnotation = gp.quantizationAnnotation;
    if (gp.metadataProps.length > 0) ex.metadataProps = gp.metadataProps;
  }
  return g;
}
