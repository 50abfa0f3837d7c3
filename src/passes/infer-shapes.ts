/**
 * Static shape inference: walks the main graph in node order and asks the rule table
 * (`shape-rules/index.ts`) for each node's output dtypes and shapes.
 *
 *  - Symbolic dims propagate ('N' stays 'N'); what cannot be known is null.
 *  - Small constant contents (initializers, Constant, and folded Shape → Gather → Concat chains) are
 *    tracked so Reshape / Slice / Resize... can read their shape arguments; folded entries may be symbols.
 *  - Ops without a rule (and ops of other domains, and control flow: If / Loop / Scan) are opaque: their
 *    outputs keep whatever shape the model declared. With `strict: true` they throw UnsupportedOpError.
 *  - Contradictions (channel / inner-dim mismatches, a wrong `inputShapes` entry) throw ShapeError.
 *  - Where an output already has a declared shape, inferred numbers win over declared symbols / nulls and
 *    declared numbers fill dims inference left symbolic or unknown (a stale numeric declaration loses
 *    silently to the inferred number).
 * `inferShapes` writes the results onto the Values (the pass); `inferValueInfo` only returns them.
 */
import { ShapeError, UnsupportedOpError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { shapeToString, type Dim, type Shape } from '../ir/shape.js';
import type { Value } from '../ir/value.js';
import type { Pass, PassResult } from './pass.js';
import { foldableContents } from './shape-rules/constants.js';
import { mergeDim } from './shape-rules/dims.js';
import { SHAPE_RULES, type RuleContext, type ValueInfo } from './shape-rules/index.js';

/** Options of `inferShapes`: shapes to feed the inputs with, strict mode, a per-node hook. */
export interface InferShapesOptions {
  /** Shapes to feed the model inputs with (must agree with the declared shapes' numbers and ranks). */
  readonly inputShapes?: Readonly<Record<string, Shape>>;
  /** Throw UnsupportedOpError on ops without a shape rule instead of leaving them opaque. */
  readonly strict?: boolean;
  /**
   * Called before each node is inferred, with what is known so far (its inputs' info). Graph rewrites that
   * depend on upstream shapes use it to adjust the node (e.g. swap a constant input) before its rule runs;
   * an input swapped for a new initializer is read from that initializer.
   */
  readonly beforeNode?: (node: Node, infoOf: (v: Value) => ValueInfo | undefined) => void;
}

/** Infers dtype / shape (and small constant contents) of every value of the main graph, without mutating it. */
export function inferValueInfo(model: Model, opts: InferShapesOptions = {}): Map<Value, ValueInfo> {
  const graph = model.graph;
  const known = new Map<Value, ValueInfo>();
  const given = opts.inputShapes ?? {};
  const inputNames = new Set(graph.inputs.map((v) => v.name));
  for (const name of Object.keys(given)) {
    if (!inputNames.has(name)) throw new ShapeError(`inputShapes names '${name}', which is not a model input (inputs: ${[...inputNames].join(', ')})`);
  }
  for (const v of graph.inputs) known.set(v, { dtype: v.dtype, shape: feedShape(v, given[v.name]) });
  for (const v of graph.initializers.values()) {
    const t = v.initializer;
    if (t !== undefined) known.set(v, { dtype: t.dtype, shape: t.dims, value: foldableContents(t) });
  }
  const opset = model.opset();
  const infoOf = (v: Value): ValueInfo | undefined => known.get(v);
  for (const node of graph.nodes) {
    opts.beforeNode?.(node, infoOf);
    inferNode(node, opset, known, opts.strict === true);
  }
  return known;
}

/** The shape-inference pass: fills `dtype` / `shape` of every node output (and fed inputs) in place. */
export function inferShapes(model: Model, opts: InferShapesOptions = {}): PassResult {
  const known = inferValueInfo(model, opts);
  let modified = false;
  for (const [v, info] of known) {
    if (v.initializer !== undefined) continue;
    if (info.dtype !== undefined && info.dtype !== v.dtype) {
      v.dtype = info.dtype;
      modified = true;
    }
    if (info.shape !== undefined && !sameShape(info.shape, v.shape)) {
      v.shape = [...info.shape];
      modified = true;
    }
  }
  return { model, modified };
}

/** Shape inference as a `Pass` (named 'infer-shapes') for `runPasses`. */
export const inferShapesPass: Pass = { name: 'infer-shapes', run: (model) => inferShapes(model) };

function sameShape(a: Shape, b: Shape | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The shape a model input is fed with: the declared shape specialised by `inputShapes`. */
function feedShape(v: Value, given: Shape | undefined): Shape | undefined {
  const declared = v.shape;
  if (given === undefined || declared === undefined) return given ?? declared;
  const mismatch = (): ShapeError =>
    new ShapeError(`model input '${v.name}' is declared ${shapeToString(declared)} but inputShapes gives ${shapeToString(given)}`);
  if (declared.length !== given.length) throw mismatch();
  return given.map((d, i) => {
    const want = declared[i] as Dim;
    if (typeof d === 'number' && typeof want === 'number' && d !== want) throw mismatch();
    return mergeDim(d, want);
  });
}

function inferNode(node: Node, opset: number, known: Map<Value, ValueInfo>, strict: boolean): void {
  const rule = node.domain === '' || node.domain === 'ai.onnx' ? SHAPE_RULES.get(node.opType) : undefined;
  if (rule === undefined) {
    if (strict) throw new UnsupportedOpError(node.opType, node.name, 'shape inference');
    for (const o of node.outputs) known.set(o, { dtype: o.dtype, shape: o.shape });
    return;
  }
  const infos = rule(makeContext(node, opset, known));
  node.outputs.forEach((o, k) => known.set(o, mergeDeclared(o, infos[k] ?? {})));
}

/** Combines an inferred description with what the model declared for the same value. */
function mergeDeclared(v: Value, inferred: ValueInfo): ValueInfo {
  const declared = v.shape;
  let shape = inferred.shape ?? declared;
  if (inferred.shape !== undefined && declared !== undefined && declared.length === inferred.shape.length) {
    shape = inferred.shape.map((d, i) => mergeDim(d, declared[i] as Dim));
  }
  return { dtype: inferred.dtype ?? v.dtype, shape, value: inferred.value };
}

function makeContext(node: Node, opset: number, known: Map<Value, ValueInfo>): RuleContext {
  const info = (i: number): ValueInfo | undefined => {
    const v = node.inputs[i];
    if (v === undefined) return undefined;
    const k = known.get(v);
    if (k !== undefined) return k;
    const t = v.initializer;
    return t === undefined ? { dtype: v.dtype, shape: v.shape } : { dtype: t.dtype, shape: t.dims, value: foldableContents(t) };
  };
  return {
    node,
    opset,
    numInputs: node.inputs.length,
    numOutputs: node.outputs.length,
    has: (i) => node.inputs[i] !== undefined,
    shape: (i) => info(i)?.shape,
    dtype: (i) => info(i)?.dtype,
    value: (i) => info(i)?.value,
    numbers: (i) => {
      const v = info(i)?.value;
      return v !== undefined && v.every((d) => typeof d === 'number') ? (v as number[]).slice() : undefined;
    },
    fail: (message) => {
      throw new ShapeError(`${node.opType}: ${message}`, node.name);
    },
  };
}
