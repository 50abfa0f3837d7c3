/**
 * The layers low-rank methods can factor, read from a model with static shapes (batch 1):
 *  - fully connected: Gemm with a constant 2-D B, MatMul with a constant 2-D right operand; the weight is
 *    held as the out × in matrix of y = W x;
 *  - 2-D convolutions with a constant float32 weight [N, C, kh, kw]; geometry (strides, explicit pads
 *    [top, left, bottom, right], dilations) and the input / output spatial sizes are resolved.
 * Every other Conv / Gemm / MatMul node gets the reason it cannot be factored.
 */
import type { Model } from '../../ir/graph.js';
import type { Node } from '../../ir/node.js';
import type { Value } from '../../ir/value.js';
import { convGeometry, fcGeometry, type ConvGeometry } from '../../passes/layer-geometry.js';
import { staticShapes, type StaticShapeOf } from '../../passes/specialize-shapes.js';
import { matrix, type Matrix } from '../../util/linalg/matrix.js';
import type { DenseTensor } from '../../util/linalg/tensor.js';

/** A fully-connected layer a low-rank method can factor: node and weight as out × in matrix. */
export interface FcLayer {
  readonly kind: 'fc';
  readonly node: Node;
  readonly weightValue: Value;
  /** out × in: y = W x. */
  readonly weight: Matrix;
  /** Rows of the activation multiplied by the weight per sample (1 for [N, in] inputs). */
  readonly rows: number;
}

/** A 2-D convolution a low-rank method can factor: node, weight [N, C, kh, kw], geometry, input and output sizes. */
export interface ConvLayer {
  readonly kind: 'conv';
  readonly node: Node;
  readonly weightValue: Value;
  /** [N, C, kh, kw]. */
  readonly weight: DenseTensor;
  readonly geometry: ConvGeometry;
  /** Input and output spatial sizes [H, W]. */
  readonly inSize: readonly [number, number];
  readonly outSize: readonly [number, number];
}

/** A layer low-rank methods can factor: fully-connected or convolution. */
export type LayerInfo = FcLayer | ConvLayer;

/** A Conv / Gemm / MatMul node that cannot be factored, and why. */
export interface Unfactorable {
  readonly node: Node;
  readonly reason: string;
}

export interface LayerAnalysis {
  readonly layers: readonly LayerInfo[];
  readonly unfactorable: readonly Unfactorable[];
}

const CANDIDATE_OPS = new Set(['Conv', 'Gemm', 'MatMul']);

/** Finds the factorable layers of a model (which is not modified). */
export function analyseLayers(model: Model): LayerAnalysis {
  const shapeOf = staticShapes(model);
  const layers: LayerInfo[] = [];
  const unfactorable: Unfactorable[] = [];
  for (const node of model.graph.nodes) {
    if (!CANDIDATE_OPS.has(node.opType) || node.domain !== '') continue;
    const r = node.opType === 'Conv' ? convLayer(node, shapeOf) : fcLayer(node, shapeOf);
    if (typeof r === 'string') unfactorable.push({ node, reason: r });
    else layers.push(r);
  }
  return { layers, unfactorable };
}

function floatWeight(v: Value | undefined): string | Float32Array {
  const t = v?.initializer;
  if (v === undefined || t === undefined) return 'the weight is not an initializer';
  if (t.dtype !== 'float32' || !(t.data instanceof Float32Array)) return `the weight is ${t.dtype}, not float32`;
  return t.data;
}

function fcLayer(node: Node, shapeOf: StaticShapeOf): FcLayer | string {
  const b = node.inputs[1];
  const data = floatWeight(b);
  if (typeof data === 'string') return data;
  const dims = b?.initializer?.dims ?? [];
  if (dims.length !== 2) return `the weight has rank ${dims.length}, not 2`;
  if (node.opType === 'Gemm' && node.inputs[0]?.initializer !== undefined) return 'both Gemm operands are constant';
  let rows = 1;
  if (node.opType !== 'Gemm') {
    const a = shapeOf(node.inputs[0]);
    if (a === undefined || a.length < 2) return 'the input shape is unknown or below rank 2';
    rows = a.slice(1, -1).reduce((x, y) => x * y, 1);
  }
  // W (out × in) of y = W x: the weight itself when stored [out, in], else its transpose.
  const fc = fcGeometry(node, dims);
  const weight = fc.outMajor ? matrix(fc.out, fc.in, data) : transposed(fc.in, fc.out, data);
  return { kind: 'fc', node, weightValue: b as Value, weight, rows };
}

function transposed(rows: number, cols: number, data: Float32Array): Matrix {
  const m = matrix(cols, rows);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.data[j * rows + i] = data[i * cols + j] as number;
  return m;
}

function convLayer(node: Node, shapeOf: StaticShapeOf): ConvLayer | string {
  const w = node.inputs[1];
  const data = floatWeight(w);
  if (typeof data === 'string') return data;
  const dims = w?.initializer?.dims ?? [];
  if (dims.length !== 4) return `only 2-D convolutions are factored (weight rank ${dims.length})`;
  if (node.attrInt('group', 1) !== 1) return `grouped convolution (group ${node.attrInt('group', 1)})`;
  const x = shapeOf(node.inputs[0]);
  const y = shapeOf(node.outputs[0]);
  if (x === undefined || y === undefined || x.length !== 4 || y.length !== 4) return 'input or output shape unknown';
  const geometry = convGeometry(node, dims, [x[2] as number, x[3] as number]);
  const outSize: [number, number] = [y[2] as number, y[3] as number];
  const weight = { dims: [...dims], data: Float64Array.from(data) };
  return { kind: 'conv', node, weightValue: w as Value, weight, geometry, inSize: geometry.inSize, outSize };
}

/** Per-sample MACs and parameters of a layer as it is (bias included in params). */
export function layerCost(layer: LayerInfo): { macs: number; params: number } {
  const bias = layer.node.inputs[2]?.initializer?.size ?? 0;
  if (layer.kind === 'fc') {
    const { rows, cols } = layer.weight;
    return { macs: layer.rows * rows * cols, params: rows * cols + bias };
  }
  const size = layer.weight.data.length;
  const [n] = layer.weight.dims as [number];
  return { macs: (size / n) * n * layer.outSize[0] * layer.outSize[1], params: size + bias };
}
