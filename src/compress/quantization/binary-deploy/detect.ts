/**
 * Finds the binary layers of a model in the agreed deployment form: a `Sign` node feeding a Conv / Gemm
 * whose weight holds only ±1, optionally followed by a `Mul` by a per-output-channel scale ([1,M,1,1] or
 * [M,1,1] for Conv, [M] or [1,M] for Gemm, or a scalar). Layers with ±1 weights that do not fit (no Sign in
 * front, groups > 1, a Gemm with transA...) are listed with the reason they stay on onnxruntime.
 */
import type { Model } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import type { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import type { ConvGeometry } from '../../../kernels/xnor/kernel.js';
import { isBinaryTensor, type PackedBinaryWeights } from '../../../kernels/xnor/packed.js';
import { constantValue } from '../../../onnx/index.js';
import { inferValueInfo } from '../../../passes/infer-shapes.js';
import { foldNeighbours } from './fold.js';

/**
 * A binary layer the XNOR kernel can run: Sign → Conv / Gemm with ±1 weights, with the scale Mul and BatchNorm folded
 * in.
 */
export interface BinaryLayer {
  readonly kind: 'conv' | 'gemm';
  /** The Conv / Gemm node. */
  readonly node: Node;
  /** The Sign node in front of it. */
  readonly sign: Node;
  /** The Mul by a per-channel scale folded into the layer, if any. */
  readonly mul: Node | undefined;
  /** The float value the kernel reads: the Sign's input, or the input of the BatchNormalization folded in. */
  readonly input: Value;
  /** A BatchNormalization in front of the Sign, folded into the kernel's sign packing. */
  readonly batchNorm: Node | undefined;
  /** sign(scale[c]·x + shift[c]) is what the kernel packs when a BatchNormalization is folded. */
  readonly inputAffine: { readonly scale: Float32Array; readonly shift: Float32Array } | undefined;
  /** The value the layer produces (the Add's, else the Mul's output when folded, else the node's output). */
  readonly output: Value;
  /** An Add of a same-shaped tensor after the layer (a residual shortcut), folded into the kernel's epilogue. */
  readonly add: Node | undefined;
  /** The tensor that Add adds. */
  readonly residual: Value | undefined;
  /** Packed ±1 weights; `scales` holds the folded Mul scale when there is one. */
  readonly weights: PackedBinaryWeights;
  /** Per-output-channel multiplier of the ±1 dot product (Gemm alpha × scale). */
  readonly alpha: Float32Array;
  /** Per-output-channel offset (bias terms × scale). */
  readonly beta: Float32Array;
  /** Conv geometry (empty for Gemm). */
  readonly geometry: ConvGeometry;
}

/** A Conv / Gemm with ±1 weights that stays on onnxruntime, and why. */
export interface SkippedBinaryLayer {
  readonly node: string;
  readonly opType: string;
  readonly reason: string;
}

/** The result of `findBinaryLayers`: the binary layers and the ±1 layers that cannot run on the kernel. */
export interface BinaryLayerScan {
  readonly layers: readonly BinaryLayer[];
  readonly skipped: readonly SkippedBinaryLayer[];
}

/** Scans the main graph (without modifying it). */
export function findBinaryLayers(model: Model): BinaryLayerScan {
  const layers: BinaryLayer[] = [];
  const skipped: SkippedBinaryLayer[] = [];
  let info: ReturnType<typeof inferValueInfo> | undefined;
  for (const node of model.graph.nodes) {
    if ((node.opType !== 'Conv' && node.opType !== 'Gemm') || (node.domain !== '' && node.domain !== 'ai.onnx')) continue;
    const w = node.inputs[1] === undefined ? undefined : constantValue(node.inputs[1]);
    if (w === undefined || !isBinaryTensor(w)) continue;
    const r = node.opType === 'Conv' ? convLayer(node, w) : gemmLayer(node, w);
    if (typeof r === 'string') skipped.push({ node: node.name, opType: node.opType, reason: r });
    else layers.push(foldNeighbours(r, model, info ??= inferValueInfo(model)));
  }
  return { layers, skipped };
}

/** What detection found about a Conv / Gemm with ±1 weights behind a Sign, before folding neighbours. */
export interface Core {
  readonly kind: 'conv' | 'gemm';
  readonly node: Node;
  readonly sign: Node;
  readonly weight: Tensor;
  readonly transB: boolean;
  readonly m: number;
  readonly alpha: number;
  /** Per-channel bias (already × Gemm beta), or undefined. */
  readonly bias: Float32Array | undefined;
  readonly geometry: ConvGeometry;
}

function signInFront(node: Node): Node | string {
  const sign = node.inputs[0]?.producer;
  if (sign === undefined || sign.opType !== 'Sign' || (sign.domain !== '' && sign.domain !== 'ai.onnx')) {
    return 'its input is not the output of a Sign node (binary weights with float activations)';
  }
  const x = sign.inputs[0];
  if (x === undefined) return 'its Sign node has no input';
  if (x.dtype !== undefined && x.dtype !== 'float32') return `its Sign input is ${x.dtype}, the kernel reads float32`;
  return sign;
}

function convLayer(node: Node, w: Tensor): Core | string {
  if (w.rank !== 4) return `only 2-D convolutions run on the XNOR kernel (weight rank ${w.rank})`;
  const group = node.attrInt('group', 1);
  if (group !== 1) return `group = ${group}: the XNOR kernel runs groups = 1 only`;
  const ks = node.attrInts('kernel_shape');
  if (ks !== undefined && (ks[0] !== w.dims[2] || ks[1] !== w.dims[3])) return `kernel_shape [${ks.join(',')}] disagrees with the weight`;
  const sign = signInFront(node);
  if (typeof sign === 'string') return sign;
  const m = w.dims[0] as number;
  const b = node.inputs[2] === undefined ? undefined : constantValue(node.inputs[2]);
  if (node.inputs[2] !== undefined && (b === undefined || b.size !== m)) return 'its bias is not a constant of M values';
  const autoPad = node.attrString('auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID' && autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER') return `auto_pad '${autoPad}' is unknown`;
  return {
    kind: 'conv', node, sign, weight: w, transB: true, m, alpha: 1, bias: b?.toFloat32(),
    geometry: {
      strides: node.attrInts('strides', [1, 1]), pads: node.attrInts('pads', [0, 0, 0, 0]),
      dilations: node.attrInts('dilations', [1, 1]), autoPad,
    },
  };
}

function gemmLayer(node: Node, w: Tensor): Core | string {
  if (node.attrInt('transA', 0) !== 0) return 'Gemm with transA = 1 is not supported by the XNOR kernel';
  if (w.rank !== 2) return `Gemm weight of rank ${w.rank}`;
  const sign = signInFront(node);
  if (typeof sign === 'string') return sign;
  const transB = node.attrInt('transB', 0) !== 0;
  const m = (transB ? w.dims[0] : w.dims[1]) as number;
  let bias: Float32Array | undefined;
  if (node.inputs[2] !== undefined) {
    const c = constantValue(node.inputs[2]);
    const ok = c !== undefined && (c.size === 1 || (c.size === m && (c.rank === 1 || (c.rank === 2 && c.dims[0] === 1))));
    if (!ok) return 'its C input is not a constant of shape [M], [1, M] or a scalar';
    const beta = node.attrFloat('beta', 1);
    const cv = c.toFloat32();
    bias = Float32Array.from({ length: m }, (_, i) => beta * (cv[c.size === 1 ? 0 : i] as number));
  }
  return { kind: 'gemm', node, sign, weight: w, transB, m, alpha: node.attrFloat('alpha', 1), bias, geometry: {} };
}
