/**
 * Fully connected head → global average pooling (NIN / VGG-GAP). The head is the chain from the last
 * Flatten / Reshape of a feature map [N, C, H, W] (and a GlobalAveragePool before it, if any) to the
 * model's first output; it may hold fc layers (Gemm, MatMul + Add), activations and dropout, and a final
 * Softmax / LogSoftmax is kept. It becomes either a 1×1 conv to `classes` channels + GlobalAveragePool +
 * Flatten ('conv', NIN) or GlobalAveragePool + Flatten + one fc layer ('fc').
 * 'fit' (a head with one linear layer): the new layer takes the old weight summed over the spatial
 * positions of each channel, exact when the old head already averaged (GAP + fc → conv + GAP).
 */
import { SlimnetError, UnsupportedOpError } from '../../ir/errors.js';
import type { Graph } from '../../ir/graph.js';
import type { Node } from '../../ir/node.js';
import { Tensor } from '../../ir/tensor.js';
import type { Value } from '../../ir/value.js';
import type { StaticShapeOf } from '../../passes/specialize-shapes.js';
import { producerName, replaceNode } from './graph-util.js';
import { defineRewrite } from './rule.js';

const PASS = new Set(['Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Dropout', 'Identity', 'Add', 'Gemm', 'MatMul']);
const NONLINEAR = new Set(['Relu', 'LeakyRelu', 'Sigmoid', 'Tanh']);

interface Head {
  /** The head's nodes from the output backwards: layers, then the flatten, then a GAP if any. */
  readonly nodes: readonly Node[];
  /** The feature map the new head reads. */
  readonly x: Value;
  readonly channels: number;
  readonly spatial: number;
  /** The value the new head must produce (input of a kept Softmax, or the output). */
  readonly end: Value;
  readonly classes: number;
  readonly averaged: boolean;
}

/** The one non-constant input of a head node. */
function activationInput(node: Node): Value {
  const acts = node.inputs.filter((v): v is Value => v !== undefined && v.initializer === undefined);
  if (acts.length !== 1) throw new UnsupportedOpError(node.opType, node.name, `the gap rewrite (a head node must read exactly one activation, it reads ${acts.length})`);
  return acts[0] as Value;
}

function findHead(graph: Graph, shapeOf: StaticShapeOf): Head {
  const out = graph.outputs[0];
  if (out === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'gap: the model has no output');
  let end = out;
  if (out.producer !== undefined && (out.producer.opType === 'Softmax' || out.producer.opType === 'LogSoftmax')) end = out.producer.input(0);
  const nodes: Node[] = [];
  let v = end;
  for (;;) {
    const p = v.producer;
    if (p === undefined) throw new SlimnetError('INVALID_ARGUMENT', `gap: no Flatten / Reshape of a feature map found before output '${out.name}'`);
    const inShape = shapeOf(p.inputs[0]);
    if ((p.opType === 'Flatten' || p.opType === 'Reshape') && inShape?.length === 4 && shapeOf(p.outputs[0])?.length === 2) {
      nodes.push(p);
      v = p.input(0);
      break;
    }
    if (!PASS.has(p.opType)) {
      throw new UnsupportedOpError(p.opType, p.name, 'the gap rewrite (the head after the last feature map may hold only fc layers, activations and dropout)');
    }
    nodes.push(p);
    v = activationInput(p);
  }
  if (v.producer === undefined) throw new SlimnetError('INVALID_ARGUMENT', `gap: the head reads the model input '${v.name}' directly; there is no feature map to pool`);
  let averaged = false;
  if (v.producer?.opType === 'GlobalAveragePool') {
    nodes.push(v.producer);
    v = v.producer.input(0);
    averaged = true;
  }
  const xShape = shapeOf(v);
  const endShape = shapeOf(end);
  if (xShape === undefined || xShape.length !== 4 || endShape === undefined || endShape.length !== 2) {
    throw new SlimnetError('INVALID_ARGUMENT', `gap: the feature map '${v.name}' or the head output '${end.name}' has no static shape`);
  }
  const inside = new Set(nodes);
  for (const n of nodes) {
    for (const o of n.outputs) {
      if (o !== end && (graph.outputs.includes(o) || o.uses.some((u) => !inside.has(u.node)))) {
        throw new SlimnetError('INVALID_ARGUMENT', `gap: '${o.name}' of head node '${n.name}' is also used outside the head`);
      }
    }
  }
  return { nodes, x: v, channels: xShape[1] as number, spatial: (xShape[2] as number) * (xShape[3] as number), end, classes: endShape[1] as number, averaged };
}

/** The single linear layer of the head as W [classes, features] and b [classes], or undefined. */
function linearHead(head: Head): { w: Float32Array; b: Float32Array; features: number } | undefined {
  const layers = head.nodes.filter((n) => n.opType === 'Gemm' || n.opType === 'MatMul');
  if (layers.length !== 1 || head.nodes.some((n) => NONLINEAR.has(n.opType))) return undefined;
  const layer = layers[0] as Node;
  const wt = layer.inputs[1]?.initializer;
  if (wt === undefined || wt.rank !== 2) return undefined;
  if (layer.opType === 'Gemm' && (layer.attrInt('transA', 0) !== 0 || layer.attrFloat('alpha', 1) !== 1 || layer.attrFloat('beta', 1) !== 1)) return undefined;
  const transB = layer.opType === 'Gemm' && layer.attrInt('transB', 0) === 1;
  const [r, c] = wt.dims as [number, number];
  const features = transB ? c : r;
  const src = wt.toFloat32();
  const w = new Float32Array(head.classes * features);
  for (let o = 0; o < head.classes; o++) for (let f = 0; f < features; f++) w[o * features + f] = src[transB ? o * c + f : f * c + o] as number;
  const b = new Float32Array(head.classes);
  const biases = head.nodes.flatMap((n) => (n.opType === 'Add' || n === layer ? n.inputs.slice(n === layer ? 2 : 0) : []))
    .map((v) => v?.initializer).filter((t): t is Tensor => t !== undefined);
  for (const t of biases) {
    const vals = t.toFloat32();
    for (let o = 0; o < head.classes; o++) b[o] = (b[o] as number) + (vals[vals.length === 1 ? 0 : o] as number);
  }
  return { w, b, features };
}

export const gapRewrite = defineRewrite({
  options: {
    head: {
      type: 'string', choices: ['conv', 'fc'], default: 'conv',
      description: '1x1 conv to the classes + GAP (NIN), or GAP + one fc',
    },
  },
  name: 'gap',
  summary: 'fully connected head → global average pooling (1×1 conv to classes + GAP, or GAP + one fc)',
  fits: true,
  needsChange: true,
  apply(ctx, opts) {
    const mode = opts.head;
    if (mode !== 'conv' && mode !== 'fc') throw new SlimnetError('INVALID_ARGUMENT', `gap: head must be 'conv' or 'fc', got '${String(mode)}'`);
    if (ctx.layers !== undefined) {
      throw new SlimnetError('INVALID_ARGUMENT', 'gap rewrites the model\'s head; it takes no layer list');
    }
    const graph = ctx.model.graph;
    const head = findHead(graph, ctx.shapeOf);
    const { channels: c, classes: k } = head;
    const linear = linearHead(head);
    if (mode === 'fc' && head.averaged && linear !== undefined) {
      throw new SlimnetError('INVALID_ARGUMENT', 'gap: the head is already global average pooling + one fc layer');
    }
    let weight: Float32Array | undefined;
    let bias: Float32Array = new Float32Array(k);
    if (ctx.init === 'fit') {
      if (linear === undefined) throw new SlimnetError('INVALID_ARGUMENT', "gap: init 'fit' needs a head with exactly one linear layer and no activation");
      const per = linear.features / c;
      weight = new Float32Array(k * c);
      for (let o = 0; o < k; o++) for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let p = 0; p < per; p++) s += linear.w[o * linear.features + ch * per + p] as number;
        weight[o * c + ch] = s;
      }
      bias = linear.b;
    }
    const m = ctx.make;
    const into: string[] = [];
    let y: Value;
    if (mode === 'conv') {
      const w = weight === undefined ? m.convWeight(k, c, 1, 1, true) : Tensor.f32([k, c, 1, 1], weight);
      y = m.conv(head.x, 'classifier_conv', w, Tensor.f32([k], bias), { kernel: [1, 1] });
      into.push(producerName(y));
      y = m.b.op('GlobalAveragePool', [y], {}, { name: 'classifier_gap' });
      into.push(producerName(y));
      y = m.b.op('Flatten', [y], { axis: 1 }, { name: 'classifier_flatten' });
    } else {
      y = m.b.op('GlobalAveragePool', [head.x], {}, { name: 'classifier_gap' });
      into.push(producerName(y));
      y = m.b.op('Flatten', [y], { axis: 1 }, { name: 'classifier_flatten' });
      into.push(producerName(y));
      const w = weight === undefined ? m.xavier([k, c], c, k) : Tensor.f32([k, c], weight);
      y = m.b.op('Gemm', [y, m.b.initializer('classifier.weight', w), m.b.initializer('classifier.bias', Tensor.f32([k], bias))], { transB: 1 }, { name: 'classifier' });
    }
    into.push(producerName(y));
    const removed = head.nodes.map((n) => n.name).reverse();
    const [last, ...rest] = head.nodes;
    replaceNode(graph, last as Node, y);
    for (const n of rest) graph.removeNode(n);
    const old = `${head.averaged ? 'GAP + ' : ''}flatten ${c}x${head.spatial} + ${head.nodes.filter((n) => n.opType === 'Gemm' || n.opType === 'MatMul').length} fc`;
    const now = mode === 'conv' ? `1x1 conv ${c}->${k} + GAP` : `GAP + fc ${c}->${k}`;
    return { changes: [{ layers: removed, into, detail: `head ${old} => ${now}${ctx.init === 'fit' ? ' (fitted)' : ''}` }], skipped: [] };
  },
});
