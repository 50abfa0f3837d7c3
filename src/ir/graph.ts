/** Graph and Model: the containers of the IR. */
import type { Attribute } from './attributes.js';
import { SlimnetError } from './errors.js';
import { Node } from './node.js';
import type { Tensor } from './tensor.js';
import { Value } from './value.js';

/**
 * An ONNX graph: inputs, outputs, initializers (constant Values), nodes in topological order and, for subgraphs, the
 * outer-scope values it captures. Nodes and values keep their use lists up to date as the graph is edited.
 */
export class Graph {
  name: string;
  docString = '';
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  /** Initializers by name, in insertion order. */
  readonly initializers = new Map<string, Value>();
  /**
   * Values referenced by a subgraph but defined in an enclosing graph (ONNX outer-scope names).
   * Empty for a top-level graph.
   */
  readonly captures = new Map<string, Value>();
  /** Names of values whose type was declared in the file's value_info (kept on re-encode). */
  readonly declaredValueInfo = new Set<string>();
  private readonly _nodes: Node[] = [];
  private readonly usedNames = new Set<string>();
  private nameCounter = 0;

  constructor(name = 'graph') {
    this.name = name;
  }

  /** Nodes in their current order (topological after `sortTopologically`, or as built). */
  get nodes(): readonly Node[] {
    return this._nodes;
  }

  /** A name not yet used by any value or node of this graph, derived from `prefix`. */
  uniqueName(prefix: string): string {
    let name = prefix;
    while (this.usedNames.has(name) || name === '') name = `${prefix}_${++this.nameCounter}`;
    this.usedNames.add(name);
    return name;
  }

  /** Marks an existing name as taken (used by decoders). */
  reserveName(name: string): void {
    this.usedNames.add(name);
  }

  addInput(v: Value): Value {
    this.reserveName(v.name);
    this.inputs.push(v);
    return v;
  }

  addOutput(v: Value): Value {
    this.outputs.push(v);
    return v;
  }

  addInitializer(name: string, t: Tensor): Value {
    if (this.initializers.has(name)) {
      throw new SlimnetError('INVALID_ARGUMENT', `graph '${this.name}' already has an initializer '${name}'`);
    }
    const v = new Value(name, t.dtype, t.dims);
    v.initializer = t;
    this.reserveName(name);
    this.initializers.set(name, v);
    return v;
  }

  removeInitializer(v: Value): void {
    if (v.uses.length > 0) {
      throw new SlimnetError('INVALID_ARGUMENT', `initializer '${v.name}' is still used by ${v.uses.length} node input(s)`);
    }
    this.initializers.delete(v.name);
    v.initializer = undefined;
  }

  /** Appends (or inserts at `index`) a node. */
  addNode(node: Node, index?: number): Node {
    node.graph = this;
    this.reserveName(node.name);
    for (const o of node.outputs) this.reserveName(o.name);
    if (index === undefined) this._nodes.push(node);
    else this._nodes.splice(index, 0, node);
    return node;
  }

  /** Creates a node with fresh output values and appends it. */
  createNode(opType: string, inputs: ReadonlyArray<Value | undefined>, numOutputs = 1, name?: string, domain = ''): Node {
    const nodeName = this.uniqueName(name ?? opType.toLowerCase());
    const node = new Node(opType, nodeName, domain);
    node.setInputs(inputs);
    for (let i = 0; i < numOutputs; i++) {
      node.addOutput(new Value(this.uniqueName(numOutputs === 1 ? `${nodeName}_out` : `${nodeName}_out${i}`)));
    }
    return this.addNode(node);
  }

  /** Removes a node; its outputs must be unused (or `force` to leave them dangling). */
  removeNode(node: Node, force = false): void {
    const i = this._nodes.indexOf(node);
    if (i < 0) throw new SlimnetError('INVALID_ARGUMENT', `node '${node.name}' is not in graph '${this.name}'`);
    if (!force) {
      for (const o of node.outputs) {
        if (o.uses.length > 0 || this.outputs.includes(o)) {
          throw new SlimnetError('INVALID_ARGUMENT', `cannot remove node '${node.name}': output '${o.name}' is still used`);
        }
      }
    }
    node.disconnect();
    this._nodes.splice(i, 1);
    node.graph = undefined;
  }

  indexOf(node: Node): number {
    return this._nodes.indexOf(node);
  }

  findNode(name: string): Node | undefined {
    return this._nodes.find((n) => n.name === name);
  }

  /** Every value reachable in this graph by name: inputs, initializers, node outputs, captures. */
  valuesByName(): Map<string, Value> {
    const m = new Map<string, Value>();
    for (const v of this.captures.values()) m.set(v.name, v);
    for (const v of this.inputs) m.set(v.name, v);
    for (const v of this.initializers.values()) m.set(v.name, v);
    for (const n of this._nodes) for (const o of n.outputs) if (o.name !== '') m.set(o.name, o);
    return m;
  }

  /**
   * A deep copy: new values, nodes, initializer tensors (data copied) and subgraphs. `outer` maps the values of
   * enclosing graphs to their copies, so a copied subgraph's captures point at the copied outer values.
   */
  clone(outer: ReadonlyMap<Value, Value> = new Map()): Graph {
    const g = new Graph(this.name);
    g.docString = this.docString;
    const map = new Map<Value, Value>(outer);
    const copy = (v: Value): Value => map.get(v) ?? copyValue(v, map);
    for (const [name, v] of this.captures) g.captures.set(name, copy(v));
    for (const [name, v] of this.initializers) {
      const c = copy(v);
      c.initializer = v.initializer?.clone();
      g.initializers.set(name, c);
      g.reserveName(name);
    }
    for (const v of this.inputs) g.addInput(copy(v));
    for (const n of this._nodes) {
      const m = new Node(n.opType, n.name, n.domain);
      m.docString = n.docString;
      for (const [k, a] of n.attributes) m.attributes.set(k, cloneAttribute(a, map));
      m.setInputs(n.inputs.map((v) => (v === undefined ? undefined : copy(v))));
      for (const o of n.outputs) m.addOutput(copy(o));
      g.addNode(m);
    }
    for (const v of this.outputs) g.addOutput(copy(v));
    for (const name of this.declaredValueInfo) g.declaredValueInfo.add(name);
    return g;
  }

  /** Reorders nodes topologically (stable with respect to the current order). Throws on cycles. */
  sortTopologically(): void {
    const position = new Map(this._nodes.map((n, i) => [n, i]));
    const pending = new Map<Node, number>();
    const ready: Node[] = [];
    for (const n of this._nodes) {
      const deps = new Set(n.inputs.map((v) => v?.producer).filter((p): p is Node => p !== undefined && position.has(p)));
      pending.set(n, deps.size);
      if (deps.size === 0) ready.push(n);
    }
    const order: Node[] = [];
    while (ready.length > 0) {
      ready.sort((a, b) => (position.get(a) as number) - (position.get(b) as number));
      const n = ready.shift() as Node;
      order.push(n);
      const seen = new Set<Node>();
      for (const o of n.outputs) {
        for (const u of o.uses) {
          if (seen.has(u.node) || !pending.has(u.node)) continue;
          seen.add(u.node);
          const left = (pending.get(u.node) as number) - 1;
          pending.set(u.node, left);
          if (left === 0) ready.push(u.node);
        }
      }
    }
    if (order.length !== this._nodes.length) {
      throw new SlimnetError('VERIFY', `graph '${this.name}' has a cycle; ${this._nodes.length - order.length} node(s) unordered`);
    }
    this._nodes.splice(0, this._nodes.length, ...order);
  }
}

function copyValue(v: Value, map: Map<Value, Value>): Value {
  const c = new Value(v.name, v.dtype, v.shape === undefined ? undefined : [...v.shape]);
  c.docString = v.docString;
  map.set(v, c);
  return c;
}

/** A copy of an attribute: tensors and subgraphs copied deeply, subgraph captures remapped through `map`. */
function cloneAttribute(a: Attribute, map: ReadonlyMap<Value, Value>): Attribute {
  switch (a.type) {
    case 'tensor': return { type: 'tensor', value: a.value.clone() };
    case 'tensors': return { type: 'tensors', value: a.value.map((t) => t.clone()) };
    case 'graph': return { type: 'graph', value: a.value.clone(map) };
    case 'graphs': return { type: 'graphs', value: a.value.map((x) => x.clone(map)) };
    default: return a;
  }
}

/** One opset import of a model: the operator domain ('' = ai.onnx) and its version. */
export interface OpsetImport {
  readonly domain: string;
  readonly version: number;
}

/**
 * An ONNX model: the main graph plus the file-level fields (IR version, opset imports, producer, metadata, local
 * functions). `clone()` deep-copies it; decode / encode with `slimnet/onnx`.
 */
export class Model {
  graph: Graph;
  irVersion = 8;
  /** Opset versions by domain ('' = ai.onnx). */
  readonly opsetImports = new Map<string, number>();
  producerName = 'slimnet';
  producerVersion = '0.1.0';
  domain = '';
  modelVersion = 0;
  docString = '';
  readonly metadataProps = new Map<string, string>();
  /** Model-local functions, kept as decoded protos (slimnet does not inline them). */
  functions: unknown[] = [];

  constructor(graph: Graph, opset = 17) {
    this.graph = graph;
    this.opsetImports.set('', opset);
  }

  /** A deep copy (graph, subgraphs, weights, metadata); model-local function protos are shared (read-only). */
  clone(): Model {
    const m = new Model(this.graph.clone());
    m.opsetImports.clear();
    for (const [d, v] of this.opsetImports) m.opsetImports.set(d, v);
    m.irVersion = this.irVersion;
    m.producerName = this.producerName;
    m.producerVersion = this.producerVersion;
    m.domain = this.domain;
    m.modelVersion = this.modelVersion;
    m.docString = this.docString;
    for (const [k, v] of this.metadataProps) m.metadataProps.set(k, v);
    m.functions = [...this.functions];
    return m;
  }

  /** The ai.onnx opset version (or of another domain). */
  opset(domain = ''): number {
    const v = this.opsetImports.get(domain === 'ai.onnx' ? '' : domain);
    if (v === undefined) throw new SlimnetError('INVALID_ARGUMENT', `model imports no opset for domain '${domain}'`);
    return v;
  }
}
