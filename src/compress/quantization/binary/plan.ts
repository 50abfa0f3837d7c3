/**
 * planBinary: decides which layers a method quantizes and rewrites the float model into the structure it
 * trains (and deploys) with — BatchNorms before activation quantizers, XNOR-Net's scaling factor K, BNN's
 * BatchNorm on the logits — and builds the train() hooks: a weight transform per quantized layer and an
 * activation transform on the edge into each layer with a quantized input.
 */
import { GraphBuilder } from '../../../ir/builder.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import type { Value } from '../../../ir/value.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import type { ActivationSelector, TransformSelector, ValueTransform, WeightTransform } from '../../../train/transforms.js';
import { dorefaGradients } from './dorefa.js';
import { binaryMethod, type BinaryMethod, type BinaryMethodName, type BinaryMethodOptions } from './methods.js';
import { addBatchNorm, appendAfter } from './rewire.js';
import type { ActivationQuantizer, WeightLayout, WeightQuantizer } from './types.js';
import { addActivationScale } from './xnor-scale.js';

export interface QuantizedLayer {
  /** Node name of the Conv / Gemm / MatMul. */
  readonly node: string;
  readonly opType: string;
  readonly layout: WeightLayout;
  /** Whether its input goes through the activation quantizer. */
  readonly quantizedInput: boolean;
}

export interface BinaryPlan {
  readonly method: BinaryMethod;
  readonly options: BinaryMethodOptions;
  /** The float model with the method's structural additions: what train() receives. */
  readonly model: Model;
  readonly layers: readonly QuantizedLayer[];
  readonly weights: WeightQuantizer;
  readonly activations?: ActivationQuantizer;
  /** Names of the nodes the rewrite added (BatchNorms, scaling factors). */
  readonly added: readonly string[];
  /** train() hooks: weight transforms and activation transforms. */
  readonly hooks: { readonly transforms: TransformSelector; readonly activations?: ActivationSelector };
}

const LAYER_OPS = new Set(['Conv', 'Gemm', 'MatMul']);

/** Output-channel axis of a layer's weight. */
function channelAxis(n: Node): number {
  if (n.opType === 'Gemm') return n.attrInt('transB', 0) === 1 ? 0 : 1;
  return n.opType === 'MatMul' ? 1 : 0;
}

/** Conv / Gemm / MatMul nodes with a float initializer weight at input 1, in graph order. */
export function layerNodes(model: Model): Node[] {
  return model.graph.nodes.filter((n) => {
    if (!LAYER_OPS.has(n.opType)) return false;
    const w = n.inputs[1]?.initializer;
    return w !== undefined && w.dtype === 'float32' && (n.opType !== 'MatMul' || w.dims.length === 2);
  });
}

function layoutOf(n: Node): WeightLayout {
  const w = n.input(1);
  if (w.uses.length !== 1) throw new SlimnetError('INVALID_ARGUMENT', `weight '${w.name}' of ${n.opType} '${n.name}' is shared by ${w.uses.length} nodes; binary quantization needs one layer per weight`);
  const t = w.initializer!;
  return { name: w.name, dims: [...t.dims], channelAxis: channelAxis(n), initial: Float32Array.from(t.toFloat32()) };
}

/** Whether x is already normalised: a BatchNormalization output, directly or through Relu. */
function normalised(x: Value): boolean {
  const p = x.producer;
  if (p === undefined) return false;
  if (p.opType === 'BatchNormalization') return true;
  return p.opType === 'Relu' && p.input(0).producer?.opType === 'BatchNormalization';
}

function channelsOf(x: Value, consumer: Node): number {
  const c = x.shape?.[1];
  const rank = x.shape?.length ?? 0;
  if (typeof c !== 'number' || (consumer.opType !== 'Conv' && rank !== 2)) {
    throw new SlimnetError('INVALID_ARGUMENT', `cannot insert a BatchNormalization before ${consumer.opType} '${consumer.name}': its input '${x.name}' needs a static channel axis 1 (shape ${JSON.stringify(x.shape)})`);
  }
  return c;
}

export function planBinary(source: Model, name: BinaryMethodName, options: BinaryMethodOptions = {}): BinaryPlan {
  const method = binaryMethod(name);
  const model = source.clone();
  inferShapes(model);
  const g = model.graph;
  const b = new GraphBuilder(g);
  const all = layerNodes(model);
  const firstLast = options.quantizeFirstLast ?? method.firstLast;
  const chosen = firstLast ? all : all.slice(1, -1);
  if (chosen.length === 0) {
    throw new SlimnetError('INVALID_ARGUMENT', `${name}: the model has ${all.length} Conv/Gemm layer(s) with initializer weights; nothing to quantize${firstLast ? '' : ' besides the first and last (full precision)'}`);
  }
  const activations = method.activations?.(options);
  const sites = new Set(activations === undefined ? [] : chosen.filter((n) => n.input(0).producer !== undefined).map((n) => n.name));
  const added: string[] = [];
  if (activations !== undefined) insertBatchNorms(b, chosen.filter((n) => sites.has(n.name)), activations, added);
  if (method.activationScale && options.activationScale !== false) {
    for (const n of chosen) if (sites.has(n.name)) added.push(addActivationScale(b, n, model.opset()));
  }
  if (method.bnAfterLast) {
    const logits = g.outputs[0]!;
    const out = appendAfter(b, logits, (y) => addBatchNorm(b, y, channelsOf(y, all[all.length - 1]!), 'logits_bn'));
    added.push(out.producer!.name);
  }
  g.sortTopologically();
  inferShapes(model);
  const layers = chosen.map((n) => ({ node: n.name, opType: n.opType, layout: layoutOf(n), quantizedInput: sites.has(n.name) }));
  const weights = method.weights(options);
  return {
    method, options, model, layers, weights, added,
    ...(activations === undefined ? {} : { activations }),
    hooks: hooksOf(layers, weights, activations, options, model.opset()),
  };
}

/** One BatchNormalization per distinct input value of the quantized-input layers (when the policy asks). */
function insertBatchNorms(b: GraphBuilder, layers: readonly Node[], q: ActivationQuantizer, added: string[]): void {
  const byInput = new Map<Value, Node[]>();
  for (const n of layers) byInput.set(n.input(0), [...(byInput.get(n.input(0)) ?? []), n]);
  for (const [x, consumers] of byInput) {
    if (q.batchNorm === 'auto' && normalised(x)) continue;
    const y = addBatchNorm(b, x, channelsOf(x, consumers[0]!), `${consumers[0]!.name}.act_bn`);
    for (const n of consumers) n.setInput(0, y);
    added.push(y.producer!.name);
  }
}

function hooksOf(layers: readonly QuantizedLayer[], weights: WeightQuantizer, acts: ActivationQuantizer | undefined, o: BinaryMethodOptions, opset: number): BinaryPlan['hooks'] {
  const byWeight = new Map(layers.map((l) => [l.layout.name, l]));
  const wCache = new Map<string, WeightTransform>();
  const transforms: TransformSelector = (p) => {
    const l = byWeight.get(p.name);
    if (l === undefined) return undefined;
    let t = wCache.get(p.name);
    if (t === undefined) wCache.set(p.name, (t = weights.transform(l.layout, { name: `${l.node}/wq`, opset })));
    return t;
  };
  const inputs = new Set(layers.filter((l) => l.quantizedInput).map((l) => l.node));
  const outputs = new Set(o.gradientBits === undefined ? [] : layers.map((l) => l.node));
  if (inputs.size === 0 && outputs.size === 0) return { transforms };
  const grads = o.gradientBits === undefined ? undefined : dorefaGradients(o.gradientBits, o.seed ?? 0);
  const inCache = new Map<Value, ValueTransform>();
  const gradCache = new Map<Value, ValueTransform>();
  const activations: ActivationSelector = (a) => {
    const quantIn = acts !== undefined && a.index === 0 && inputs.has(a.consumer.name);
    const quantGrad = grads !== undefined && a.producer !== undefined && outputs.has(a.producer.name);
    if (!quantIn && !quantGrad) return undefined;
    // An edge both into a quantized input and out of a quantized layer gets the activation quantizer.
    const cache = quantIn ? inCache : gradCache;
    let t = cache.get(a.value);
    if (t === undefined) {
      t = quantIn ? acts!.transform({ name: `${a.consumer.name}/aq`, opset }) : grads!({ name: `${a.producer!.name}/gq`, opset });
      cache.set(a.value, t);
    }
    return t;
  };
  return { transforms, activations };
}
