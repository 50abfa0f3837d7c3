/** Graph helpers shared by the compact rewrites: rewritable convs, node replacement, new weights. */
import { GraphBuilder } from '../../ir/builder.js';
import { SlimnetError } from '../../ir/errors.js';
import type { Graph } from '../../ir/graph.js';
import type { Node } from '../../ir/node.js';
import { Tensor } from '../../ir/tensor.js';
import type { Value } from '../../ir/value.js';
import { convGeometry } from '../../passes/layer-geometry.js';
import type { StaticShapeOf } from '../../passes/specialize-shapes.js';
import { Rng } from '../../util/rng.js';
import { initTensor } from '../../zoo/layers.js';

/** The geometry and weights of a 2-D Conv node. */
export interface ConvInfo {
  readonly node: Node;
  readonly x: Value;
  readonly weight: Tensor;
  readonly bias: Tensor | undefined;
  readonly cin: number;
  readonly cout: number;
  readonly kh: number;
  readonly kw: number;
  readonly group: number;
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  /** [top, left, bottom, right]. */
  readonly pads: readonly [number, number, number, number];
  readonly inH: number;
  readonly inW: number;
  readonly outH: number;
  readonly outW: number;
}

/** A Conv's info, or the reason it cannot be rewritten. */
export function convInfo(node: Node, shapeOf: StaticShapeOf): ConvInfo | string {
  if (node.opType !== 'Conv' || (node.domain !== '' && node.domain !== 'ai.onnx')) return `not a Conv (${node.opType})`;
  const weight = node.inputs[1]?.initializer;
  if (weight === undefined) return 'the weight is not an initializer';
  if (weight.rank !== 4) return `not a 2-D convolution (weight rank ${weight.rank})`;
  if (weight.dtype !== 'float32') return `weights are ${weight.dtype}, not float32`;
  const biasValue = node.inputs[2];
  const bias = biasValue?.initializer;
  if (biasValue !== undefined && bias === undefined) return 'the bias is not an initializer';
  const autoPad = node.attrString('auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') return `auto_pad ${autoPad} is not supported (give explicit pads)`;
  const x = node.input(0);
  const inShape = shapeOf(x);
  const outShape = shapeOf(node.output(0));
  if (inShape === undefined || outShape === undefined || inShape.length !== 4) return 'the input or output shape is not static';
  const g = convGeometry(node, weight.dims, [inShape[2] as number, inShape[3] as number]);
  const [[kh, kw], [inH, inW]] = [g.kernel, g.inSize];
  const { cin, cout, group, strides, dilations, pads } = g;
  return {
    node, x, weight, bias, cin, cout, kh, kw, group, strides, dilations, pads,
    inH, inW, outH: outShape[2] as number, outW: outShape[3] as number,
  };
}

/** A zero bias of the conv's output channels where the original conv has a bias (new layers start at 0). */
export function zeroBias(c: ConvInfo, channels = c.cout): Tensor | undefined {
  return c.bias === undefined ? undefined : Tensor.f32([channels]);
}

/** '3x3 64->128 s2' for reports. */
export function describeConv(c: ConvInfo): string {
  const stride = c.strides[0] === 1 && c.strides[1] === 1 ? '' : ` s${c.strides.join('x')}`;
  const group = c.group === 1 ? '' : ` g${c.group}`;
  return `${c.kh}x${c.kw} ${c.cin}->${c.cout}${stride}${group}`;
}

/** Conv attributes for a new conv. */
export interface ConvAttrs {
  readonly kernel: readonly [number, number];
  readonly strides?: readonly [number, number];
  readonly pads?: readonly [number, number, number, number];
  readonly dilations?: readonly [number, number];
  readonly group?: number;
}

/** Seeded new parameters and layers, added to `graph` (the zoo's initialisation). */
export class LayerMaker {
  readonly b: GraphBuilder;
  private readonly rng: Rng;

  constructor(graph: Graph, seed: number) {
    this.b = new GraphBuilder(graph);
    this.rng = new Rng(seed);
  }

  /** He normal (std sqrt(2 / fanIn)). */
  he(dims: readonly number[], fanIn: number): Tensor {
    return initTensor(this.rng, dims, 'he', fanIn, 1);
  }

  /** Xavier uniform (limit sqrt(6 / (fanIn + fanOut))). */
  xavier(dims: readonly number[], fanIn: number, fanOut: number): Tensor {
    return initTensor(this.rng, dims, 'xavier', fanIn, fanOut);
  }

  /** A conv weight [cout, cin/group, kh, kw] drawn He (or Xavier for a classifier). */
  convWeight(cout: number, cinPerGroup: number, kh: number, kw: number, classifier = false): Tensor {
    const fanIn = cinPerGroup * kh * kw;
    return classifier ? this.xavier([cout, cinPerGroup, kh, kw], fanIn, cout * kh * kw) : this.he([cout, cinPerGroup, kh, kw], fanIn);
  }

  /** Appends a Conv named `name` reading `x`; `bias` may be omitted. */
  conv(x: Value, name: string, weight: Tensor, bias: Tensor | undefined, a: ConvAttrs): Value {
    const w = this.b.initializer(`${name}.weight`, weight);
    const inputs = [x, w];
    if (bias !== undefined) inputs.push(this.b.initializer(`${name}.bias`, bias));
    return this.b.op('Conv', inputs, {
      kernel_shape: [...a.kernel], strides: [...(a.strides ?? [1, 1])], pads: [...(a.pads ?? [0, 0, 0, 0])],
      dilations: [...(a.dilations ?? [1, 1])], group: a.group ?? 1,
    }, { name });
  }

  /** Appends an inference-mode BatchNormalization with identity statistics (scale 1, bias 0, mean 0, var 1). */
  batchNorm(x: Value, name: string, channels: number): Value {
    const ones = Tensor.f32([channels], new Array<number>(channels).fill(1));
    const inputs = [
      x, this.b.initializer(`${name}.weight`, ones), this.b.initializer(`${name}.bias`, Tensor.f32([channels])),
      this.b.initializer(`${name}.running_mean`, Tensor.f32([channels])), this.b.initializer(`${name}.running_var`, ones.clone()),
    ];
    return this.b.op('BatchNormalization', inputs, { epsilon: 1e-5, momentum: 0.9 }, { name });
  }

  relu(x: Value, name: string): Value {
    return this.b.op('Relu', [x], {}, { name });
  }
}

/** The node producing `v` (a value just made by LayerMaker). */
export function producerName(v: Value): string {
  const p = v.producer;
  if (p === undefined) throw new SlimnetError('INVALID_ARGUMENT', `value '${v.name}' has no producer`);
  return p.name;
}

/**
 * Replaces `old` by the subgraph ending in `last`: the node producing `last` takes over old's output value
 * (same name, same consumers, graph output status), and `old` is removed.
 */
export function replaceNode(graph: Graph, old: Node, last: Value): void {
  const out = old.output(0);
  const producer = last.producer;
  if (producer === undefined) throw new SlimnetError('INVALID_ARGUMENT', `replacement of '${old.name}' has no producing node`);
  if (old.outputs.slice(1).some((o) => o.uses.length > 0 || graph.outputs.includes(o))) {
    throw new SlimnetError('INVALID_ARGUMENT', `node '${old.name}': only its first output can be replaced`);
  }
  graph.removeNode(old, true);
  producer.setOutput(last.producerIndex, out);
}

const LINEAR_LAYERS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/** Whether `node`'s output reaches a graph output without passing another Conv / Gemm / MatMul layer. */
export function isClassifier(graph: Graph, node: Node): boolean {
  const outputs = new Set(graph.outputs);
  const seen = new Set<Node>();
  const stack = [...node.outputs];
  while (stack.length > 0) {
    const v = stack.pop() as Value;
    if (outputs.has(v)) return true;
    for (const u of v.uses) {
      if (seen.has(u.node) || LINEAR_LAYERS.has(u.node.opType)) continue;
      seen.add(u.node);
      stack.push(...u.node.outputs);
    }
  }
  return false;
}
