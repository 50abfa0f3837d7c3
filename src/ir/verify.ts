/**
 * IR verifier: checks the invariants every pass may rely on and reports all violations at once.
 *
 *  - single assignment: each value name is defined once (graph input, initializer or node output);
 *    unnamed ('') optional node outputs are exempt, and an initializer may share its name with a graph
 *    input (ONNX lets an initializer give an input its default);
 *  - topological order: every node input is a graph input, initializer, capture, a value of an
 *    enclosing graph (for subgraphs), or the output of an earlier node;
 *  - no dangling values: graph outputs are produced here (or are inputs / initializers / captures);
 *  - links: `value.uses` mirrors node inputs exactly; `producer` / `producerIndex` match node outputs;
 *  - declared types: an initializer's Value dtype / shape equal its Tensor's.
 * Subgraph attributes are verified recursively (their outer-scope references are fine).
 */
import { VerifyError } from './errors.js';
import type { Graph, Model } from './graph.js';
import type { Node } from './node.js';
import type { Value } from './value.js';

/** Options of `verify`: whether subgraph bodies are checked too. */
export interface VerifyOptions {
  /** Verify subgraph attributes (If / Loop / Scan bodies) too (default true). */
  readonly subgraphs?: boolean;
}

/** Throws a VerifyError listing every problem found in `graph` (and its subgraphs). */
export function verify(graph: Graph, opts: VerifyOptions = {}): void {
  const problems = collectProblems(graph, opts);
  if (problems.length > 0) throw new VerifyError(problems);
}

/** Verifies the model's main graph. */
export function checkModel(model: Model, opts: VerifyOptions = {}): void {
  verify(model.graph, opts);
}

/** The problems `verify` would report, without throwing. */
export function collectProblems(graph: Graph, opts: VerifyOptions = {}): string[] {
  const problems: string[] = [];
  verifyGraph(graph, new Set(), opts.subgraphs ?? true, problems);
  return problems;
}

function verifyGraph(graph: Graph, outer: ReadonlySet<Value>, recurse: boolean, problems: string[]): void {
  const where = `graph '${graph.name}'`;
  const scope = new Set<Value>(outer);
  const defined = new Map<string, string>();
  const define = (v: Value, what: string): void => {
    if (v.name === '') return;
    const prev = defined.get(v.name);
    if (prev !== undefined) problems.push(`${where}: value '${v.name}' is defined twice (${prev}, ${what})`);
    else defined.set(v.name, what);
  };
  for (const v of graph.captures.values()) scope.add(v);
  for (const v of graph.inputs) {
    define(v, 'graph input');
    scope.add(v);
    if (v.producer !== undefined) problems.push(`${where}: graph input '${v.name}' has producer '${v.producer.name}'`);
  }
  const inputNames = new Set(graph.inputs.map((v) => v.name));
  for (const [key, v] of graph.initializers) {
    if (!inputNames.has(v.name)) define(v, 'initializer');
    scope.add(v);
    checkInitializer(where, key, v, problems);
  }
  const nodes = new Set(graph.nodes);
  graph.nodes.forEach((node, index) => {
    const at = `${where}, node '${node.name}' (${node.opType}, #${index})`;
    if (node.graph !== graph) problems.push(`${at}: node.graph does not point at this graph`);
    checkInputs(at, node, scope, nodes, problems);
    node.outputs.forEach((o, k) => {
      define(o, `output of node '${node.name}'`);
      if (o.producer !== node || o.producerIndex !== k) {
        problems.push(`${at}: output #${k} '${o.name}' has producer '${o.producer?.name ?? 'none'}' slot ${o.producerIndex}, expected this node slot ${k}`);
      }
      scope.add(o);
    });
    if (recurse) for (const sub of subgraphsOf(node)) verifyGraph(sub, scope, recurse, problems);
  });
  checkOutputs(graph, scope, nodes, problems);
  checkUses(where, graph, problems);
}

function checkInitializer(where: string, key: string, v: Value, problems: string[]): void {
  const t = v.initializer;
  if (key !== v.name) problems.push(`${where}: initializer registered as '${key}' is named '${v.name}'`);
  if (t === undefined) {
    problems.push(`${where}: initializer '${v.name}' has no tensor`);
    return;
  }
  if (v.producer !== undefined) problems.push(`${where}: initializer '${v.name}' has producer '${v.producer.name}'`);
  if (v.dtype !== undefined && v.dtype !== t.dtype) {
    problems.push(`${where}: initializer '${v.name}' is declared ${v.dtype} but its tensor is ${t.dtype}`);
  }
  if (v.shape !== undefined && !sameDims(v.shape, t.dims)) {
    problems.push(`${where}: initializer '${v.name}' is declared [${v.shape.join(',')}] but its tensor has dims [${t.dims.join(',')}]`);
  }
}

function sameDims(shape: readonly unknown[], dims: readonly number[]): boolean {
  return shape.length === dims.length && shape.every((d, i) => d === dims[i]);
}

function checkInputs(at: string, node: Node, scope: ReadonlySet<Value>, nodes: ReadonlySet<Node>, problems: string[]): void {
  node.inputs.forEach((v, i) => {
    if (v === undefined) return;
    if (!v.uses.some((u) => u.node === node && u.index === i)) {
      problems.push(`${at}: input #${i} '${v.name}' does not list this node among its uses`);
    }
    if (scope.has(v)) return;
    if (v.producer !== undefined && nodes.has(v.producer)) {
      problems.push(`${at}: input #${i} '${v.name}' is produced by the later node '${v.producer.name}' (not topological)`);
    } else {
      problems.push(`${at}: input #${i} '${v.name}' is dangling (not an input, initializer, capture or node output of this graph)`);
    }
  });
}

function checkOutputs(graph: Graph, scope: ReadonlySet<Value>, nodes: ReadonlySet<Node>, problems: string[]): void {
  for (const v of graph.outputs) {
    if (scope.has(v)) continue;
    const why = v.producer !== undefined && !nodes.has(v.producer) ? `its producer '${v.producer.name}' is not in the graph` : 'nothing defines it';
    problems.push(`graph '${graph.name}': output '${v.name}' is dangling (${why})`);
  }
}

/** Every use recorded on a value of this graph must point back at a node input reading it. */
function checkUses(where: string, graph: Graph, problems: string[]): void {
  const members = new Map<Graph, Set<Node>>();
  const inGraph = (n: Node): boolean => {
    if (n.graph === undefined) return false;
    let set = members.get(n.graph);
    if (set === undefined) members.set(n.graph, (set = new Set(n.graph.nodes)));
    return set.has(n);
  };
  const values = new Set<Value>([...graph.inputs, ...graph.initializers.values(), ...graph.captures.values()]);
  for (const n of graph.nodes) for (const o of n.outputs) values.add(o);
  for (const v of values) {
    const seen = new Set<string>();
    for (const u of v.uses) {
      const key = `${u.node.name}#${u.index}`;
      if (seen.has(key) && u.node.inputs[u.index] === v) {
        problems.push(`${where}: value '${v.name}' lists use ${key} twice`);
      }
      seen.add(key);
      if (u.node.inputs[u.index] !== v) {
        problems.push(`${where}: value '${v.name}' lists a use by node '${u.node.name}' input #${u.index}, which reads '${u.node.inputs[u.index]?.name ?? 'nothing'}'`);
      } else if (!inGraph(u.node)) {
        problems.push(`${where}: value '${v.name}' is used by node '${u.node.name}', which is in no graph`);
      }
    }
  }
}

/** Graphs held in a node's attributes. */
export function subgraphsOf(node: Node): Graph[] {
  const out: Graph[] = [];
  for (const a of node.attributes.values()) {
    if (a.type === 'graph') out.push(a.value);
    else if (a.type === 'graphs') out.push(...a.value);
  }
  return out;
}
