/**
 * The frozen teacher inside the student's training graph.
 *
 * Design: the teacher's forward pass is copied into the training graph (renamed `teacher/...`, weights as
 * initializers, BatchNorm in inference mode, Dropout removed) and reads the student's image input, so one
 * onnxruntime run per step computes teacher forward + student forward / backward / update. The alternative, a
 * second session whose outputs are fed as extra inputs, would copy every teacher activation (for FitNets and
 * attention transfer whole feature maps) out of onnxruntime and back in each step and needs a second session
 * in the worker loop; embedding needs no change to the loop. No gradient reaches the teacher: its weights
 * are initializers, not trainable inputs, so the backward walk never differentiates its nodes.
 */
import type { GraphBuilder } from '../../ir/builder.js';
import { ShapeError, SlimnetError, UnsupportedOpError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import { Node } from '../../ir/node.js';
import { shapeToString, type Dim, type Shape } from '../../ir/shape.js';
import { Value } from '../../ir/value.js';
import { inferShapes } from '../../passes/infer-shapes.js';
import { imageInputOf, logitsOf } from '../../train/graph-edit.js';

/**
 * Ops whose inference semantics are the same at every opset from 11 to 21, so a teacher using only these
 * can be embedded in a student graph of another opset. (Softmax, reductions, Squeeze... changed.)
 */
const OPSET_STABLE = new Set([
  'Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'Relu', 'LeakyRelu', 'PRelu', 'Sigmoid', 'Tanh', 'Elu', 'Add', 'Sub',
  'Mul', 'Div', 'Neg', 'Abs', 'Sqrt', 'Exp', 'Log', 'Pow', 'Sum', 'MaxPool', 'AveragePool', 'GlobalAveragePool',
  'GlobalMaxPool', 'BatchNormalization', 'Flatten', 'Reshape', 'Concat', 'Transpose', 'Identity', 'Dropout',
  'Constant', 'Shape', 'Gather', 'Cast', 'Clip',
]);

/** A shape-inferred copy of the teacher (the caller's model is not modified). */
export function prepareTeacher(teacher: Model): Model {
  const t = teacher.clone();
  inferShapes(t);
  return t;
}

/** Checks that teacher and student read the same images (and, for soft targets, predict the same classes). */
export function checkCompatible(teacher: Model, student: Model, needClasses: boolean): void {
  const ti = imageInputOf(teacher);
  const si = imageInputOf(student);
  const [ts, ss] = [ti.shape ?? [], si.shape ?? []];
  const same = ts.length === ss.length && ts.every((d, i) => i === 0 || d === ss[i]);
  if (!same) {
    throw new ShapeError(`teacher input '${ti.name}' is ${shapeToString(ti.shape)} but student input '${si.name}' is ${shapeToString(si.shape)}: teacher and student must read the same images`);
  }
  if (ti.dtype !== si.dtype) throw new ShapeError(`teacher input '${ti.name}' is ${ti.dtype ?? '?'} but student input '${si.name}' is ${si.dtype ?? '?'}`);
  if (!needClasses) return;
  const [tl, sl] = [logitsOf(teacher).shape, logitsOf(student).shape];
  if (tl?.length !== 2 || sl?.length !== 2 || typeof tl[1] !== 'number' || tl[1] !== sl[1]) {
    throw new ShapeError(`teacher logits ${shapeToString(tl)} and student logits ${shapeToString(sl)} must both be [N, classes] with the same number of classes`);
  }
}

/**
 * Copies the part of `teacher` (shape-inferred, see prepareTeacher) that computes the values named in
 * `want` into `b`'s graph, reading `input` instead of the teacher's image input. Returns the copies of the
 * wanted values, in order. `opset` is the target graph's ai.onnx opset.
 */
export function embedTeacher(b: GraphBuilder, teacher: Model, input: Value, want: readonly string[], opset: number): Value[] {
  const tg = teacher.graph;
  const tIn = imageInputOf(teacher);
  const batch = batchMapper(tIn, input);
  const byName = tg.valuesByName();
  const targets = want.map((name) => {
    const v = byName.get(name);
    if (v === undefined) throw new SlimnetError('INVALID_ARGUMENT', `teacher has no value '${name}'`);
    return v;
  });
  const needed = ancestors(targets);
  const sameOpset = teacher.opset() === opset;
  const g = b.graph;
  const map = new Map<Value, Value>([[tIn, input]]);
  const mapped = (v: Value): Value => {
    const m = map.get(v);
    if (m !== undefined) return m;
    if (v.initializer === undefined) throw new SlimnetError('INVALID_ARGUMENT', `teacher value '${v.name}' is not computed from its image input '${tIn.name}' (a second input?)`);
    const copy = g.addInitializer(g.uniqueName(`teacher/${v.name}`), v.initializer);
    map.set(v, copy);
    return copy;
  };
  for (const node of tg.nodes) {
    if (!needed.has(node)) continue;
    if (node.domain !== '' && node.domain !== 'ai.onnx') throw new UnsupportedOpError(`${node.domain}.${node.opType}`, node.name, 'embedding a teacher (only ai.onnx ops)');
    if (!sameOpset && !OPSET_STABLE.has(node.opType)) {
      throw new SlimnetError('INVALID_ARGUMENT', `teacher node '${node.name}' (${node.opType}) is at opset ${teacher.opset()} and the student at ${opset}; ${node.opType} changed between opsets: re-export one of them at the other's opset`);
    }
    if (node.opType === 'Dropout') {
      // Inference-mode Dropout is the identity; dropping it also sidesteps its opset-12 signature change.
      map.set(node.output(0), mapped(node.input(0)));
      continue;
    }
    g.addNode(copyNode(node, g.uniqueName(`teacher/${node.name === '' ? node.opType : node.name}`), mapped, (o) => {
      const c = new Value(o.name === '' ? '' : g.uniqueName(`teacher/${o.name}`), o.dtype, o.shape === undefined ? undefined : batch(o.shape));
      map.set(o, c);
      return c;
    }));
  }
  return targets.map((v) => mapped(v));
}

function copyNode(node: Node, name: string, input: (v: Value) => Value, output: (o: Value) => Value): Node {
  const n = new Node(node.opType, name, node.domain);
  n.setInputs(node.inputs.map((v) => (v === undefined ? undefined : input(v))));
  for (const [k, a] of node.attributes) {
    if (a.type === 'graph' || a.type === 'graphs') throw new UnsupportedOpError(node.opType, node.name, 'embedding a teacher (subgraphs)');
    if (node.opType === 'BatchNormalization' && k === 'training_mode') continue;
    n.attributes.set(k, a);
  }
  const outs = node.opType === 'BatchNormalization' ? node.outputs.slice(0, 1) : node.outputs;
  for (const o of outs) n.addOutput(output(o));
  return n;
}

/** The nodes computing `targets`. */
function ancestors(targets: readonly Value[]): Set<Node> {
  const seen = new Set<Node>();
  const stack = [...targets];
  while (stack.length > 0) {
    const p = (stack.pop() as Value).producer;
    if (p === undefined || seen.has(p)) continue;
    seen.add(p);
    for (const v of p.inputs) if (v !== undefined) stack.push(v);
  }
  return seen;
}

/** Maps the teacher's batch dimension to the student's in copied shapes. */
function batchMapper(tIn: Value, sIn: Value): (s: Shape) => Shape {
  const tb = tIn.shape?.[0];
  const sb = sIn.shape?.[0];
  if (typeof tb === 'number' && tb !== sb) {
    throw new ShapeError(`teacher input '${tIn.name}' has a fixed batch size ${tb}; distillation needs a dynamic batch dimension (re-export the teacher with a symbolic batch)`);
  }
  return (s) => s.map((d): Dim => (typeof tb === 'string' && d === tb ? (sb ?? d) : d));
}
