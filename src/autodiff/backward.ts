/**
 * Reverse-mode differentiation over the IR, emitted as ONNX nodes (micrograd's algorithm on a graph):
 * find the nodes between the parameters and the loss, walk them in reverse topological order, and let
 * each node's rule turn output gradients into input gradients, summing where a value fans out.
 */
import { GraphBuilder } from '../ir/builder.js';
import { isFloatDType } from '../ir/dtype.js';
import { SlimnetError, UnsupportedOpError } from '../ir/errors.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { RuleContext } from './context.js';
import type { GradientRule } from './rule.js';
import { gradientRules } from './rules/index.js';

/**
 * A straight-through edge: the gradient reaching `output` is passed to `input` (through `grad` when
 * given, e.g. to zero it outside a clip range) and the nodes computing output from input are not
 * differentiated. This is how quantizers and binarizers get their STE backward.
 */
export interface StraightThrough {
  readonly input: Value;
  readonly output: Value;
  /** Maps the output gradient to the input gradient; identity when omitted. */
  readonly grad?: (b: GraphBuilder, dOutput: Value, input: Value) => Value;
}

/** Options of `addBackward`: the opset, straight-through edges, rule overrides and the loss gradient seed. */
export interface BackwardOptions {
  /** ai.onnx opset the emitted nodes must respect. */
  readonly opset: number;
  /** Straight-through edges (see StraightThrough). */
  readonly straightThrough?: readonly StraightThrough[];
  /** Rules overriding the built-in table, by op type. */
  readonly rules?: ReadonlyMap<string, GradientRule>;
  /** Gradient of the loss itself; a constant 1 when omitted (the loss must then be a scalar). */
  readonly seed?: Value;
}

/** A node of the backward walk: a real node, or a straight-through edge standing for the nodes it skips. */
type Step = { readonly kind: 'node'; readonly node: Node } | { readonly kind: 'ste'; readonly ste: StraightThrough };

/**
 * Appends to `graph` the nodes computing d loss / d p for every p in `wrt`, and returns them by parameter.
 * Parameters the loss does not depend on get no entry.
 */
export function addBackward(graph: Graph, loss: Value, wrt: readonly Value[], opts: BackwardOptions): Map<Value, Value> {
  const b = new GraphBuilder(graph);
  const steByOutput = new Map((opts.straightThrough ?? []).map((s) => [s.output, s]));
  const stepOf = (v: Value): Step | undefined => {
    const ste = steByOutput.get(v);
    if (ste !== undefined) return { kind: 'ste', ste };
    return v.producer === undefined ? undefined : { kind: 'node', node: v.producer };
  };
  const inputsOf = (s: Step): ReadonlyArray<Value | undefined> => (s.kind === 'ste' ? [s.ste.input] : s.node.inputs);

  const dependsOnParam = forwardReach(graph, wrt, steByOutput);
  const order = stepsToLoss(loss, stepOf, inputsOf, graph);

  const contributions = new Map<Value, Value[]>();
  const add = (v: Value, g: Value): void => {
    const list = contributions.get(v);
    if (list === undefined) contributions.set(v, [g]);
    else list.push(g);
  };
  const gradOf = (v: Value): Value | undefined => {
    const list = contributions.get(v);
    if (list === undefined || list.length === 0) return undefined;
    if (list.length === 1) return list[0];
    // Only a fresh Sum is typed here: a single contribution may be a shared value (the seed initializer, or
    // an output gradient passed through by Identity) whose declared type must not be overwritten.
    const total = b.op('Sum', list, {}, { name: `grad/sum/${v.name}` });
    total.dtype = v.dtype;
    total.shape = v.shape;
    contributions.set(v, [total]);
    return total;
  };
  add(loss, opts.seed ?? b.constant(1, [], 'grad/seed', loss.dtype === 'float64' ? 'float64' : 'float32'));

  for (const step of order) {
    if (step.kind === 'ste') {
      const d = gradOf(step.ste.output);
      if (d !== undefined) add(step.ste.input, step.ste.grad === undefined ? d : step.ste.grad(b, d, step.ste.input));
      continue;
    }
    const node = step.node;
    const dOuts = node.outputs.map((o) => gradOf(o));
    if (dOuts.every((d) => d === undefined)) continue;
    const needed = node.inputs.map((v) => v !== undefined && dependsOnParam.has(v) && v.dtype !== undefined && isFloatDType(v.dtype));
    if (!needed.some(Boolean)) continue;
    const rule = opts.rules?.get(node.opType) ?? gradientRules[node.opType];
    if (rule === undefined) throw new UnsupportedOpError(node.opType, node.name, 'its gradient');
    const grads = rule(new RuleContext(b, node, opts.opset, dOuts, needed));
    node.inputs.forEach((v, i) => {
      const g = grads[i];
      if (v === undefined || g === undefined || !needed[i]) return;
      g.dtype ??= v.dtype;
      g.shape ??= v.shape;
      add(v, g);
    });
  }

  const result = new Map<Value, Value>();
  for (const p of wrt) {
    const g = gradOf(p);
    if (g !== undefined) result.set(p, g);
  }
  return result;
}

/** Values that depend on any parameter (through nodes and straight-through edges). */
function forwardReach(graph: Graph, wrt: readonly Value[], steByOutput: ReadonlyMap<Value, StraightThrough>): Set<Value> {
  const reach = new Set<Value>(wrt);
  const steByInput = new Map<Value, Value[]>();
  for (const [out, s] of steByOutput) steByInput.set(s.input, [...(steByInput.get(s.input) ?? []), out]);
  for (const node of graph.nodes) {
    if (node.inputs.some((v) => v !== undefined && reach.has(v))) for (const o of node.outputs) reach.add(o);
    for (const o of node.outputs) {
      for (const out of steByInput.get(o) ?? []) reach.add(out);
    }
  }
  for (const [v, outs] of steByInput) if (reach.has(v)) for (const o of outs) reach.add(o);
  return reach;
}

/** The steps the loss depends on, in reverse topological order. */
function stepsToLoss(
  loss: Value,
  stepOf: (v: Value) => Step | undefined,
  inputsOf: (s: Step) => ReadonlyArray<Value | undefined>,
  graph: Graph,
): Step[] {
  const position = new Map(graph.nodes.map((n, i) => [n, i]));
  const posOf = (s: Step): number => {
    const n = s.kind === 'node' ? s.node : s.ste.output.producer;
    const p = n === undefined ? -1 : position.get(n);
    if (p === undefined) throw new SlimnetError('VERIFY', `backward: a node on the loss path is not in graph '${graph.name}'`);
    return p + (s.kind === 'ste' ? 0.5 : 0);
  };
  const seen = new Set<Node | StraightThrough>();
  const steps: Step[] = [];
  const stack: Value[] = [loss];
  while (stack.length > 0) {
    const v = stack.pop() as Value;
    const s = stepOf(v);
    if (s === undefined) continue;
    const key = s.kind === 'node' ? s.node : s.ste;
    if (seen.has(key)) continue;
    seen.add(key);
    steps.push(s);
    for (const i of inputsOf(s)) if (i !== undefined) stack.push(i);
  }
  return steps.sort((a, c) => posOf(c) - posOf(a));
}
