/**
 * Layer geometry, read once for every family: a 2-D Conv's kernel, strides, dilations, explicit pads
 * (auto_pad resolved), groups, channels, input / output sizes and MACs; a fully-connected layer's (Gemm,
 * MatMul) input and output features and weight layout. Output sizes follow the ONNX formula
 * out = floor((in + pad_begin + pad_end − dilation·(k − 1) − 1) / stride) + 1.
 */
import { SlimnetError, UnsupportedOpError } from '../ir/errors.js';
import type { Node } from '../ir/node.js';

/** Strides, explicit pads and dilations of a 2-D convolution window. */
export interface ConvWindow {
  readonly strides: readonly [number, number];
  /** Explicit pads [top, left, bottom, right] (auto_pad resolved). */
  readonly pads: readonly [number, number, number, number];
  readonly dilations: readonly [number, number];
}

/** Everything about a 2-D convolution's shape: window, kernel, groups, channels and spatial sizes. */
export interface ConvGeometry extends ConvWindow {
  /** [kh, kw]. */
  readonly kernel: readonly [number, number];
  readonly group: number;
  /** Input channels (all groups). */
  readonly cin: number;
  readonly cout: number;
  /** Input and output spatial sizes [H, W]. */
  readonly inSize: readonly [number, number];
  readonly outSize: readonly [number, number];
}

/** Output length of one spatial axis of a convolution window. */
export function convOutputSize(
  input: number, kernel: number, stride: number, dilation: number, padBegin: number, padEnd: number,
): number {
  return Math.floor((input + padBegin + padEnd - dilation * (kernel - 1) - 1) / stride) + 1;
}

const pair = (v: readonly number[], what: string, node: Node): [number, number] => {
  if (v.length !== 2) {
    throw new SlimnetError('INVALID_ARGUMENT', `Conv '${node.name}': ${what} [${v.join(',')}] is not 2-D`);
  }
  return [v[0] as number, v[1] as number];
};

/** Explicit [begin, end] pads of one axis under SAME_UPPER / SAME_LOWER (the output is ceil(in / stride)). */
function samePads(input: number, kernel: number, stride: number, dilation: number, lower: boolean): [number, number] {
  const out = Math.ceil(input / stride);
  const total = Math.max(0, (out - 1) * stride + dilation * (kernel - 1) + 1 - input);
  const small = Math.floor(total / 2);
  return lower ? [total - small, small] : [small, total - small];
}

/**
 * The geometry of a 2-D Conv node given its weight dims [M, C/group, kh, kw] and input spatial size [H, W].
 * auto_pad SAME_UPPER / SAME_LOWER / VALID become explicit pads.
 */
export function convGeometry(
  node: Node, weightDims: readonly number[], inSize: readonly [number, number],
): ConvGeometry {
  if (weightDims.length !== 4) {
    throw new UnsupportedOpError(node.opType, node.name, `geometry of a ${weightDims.length - 2}-D convolution`);
  }
  const [cout, cinPerGroup, kh, kw] = weightDims as [number, number, number, number];
  const group = node.attrInt('group', 1);
  const strides = pair(node.attrInts('strides', [1, 1]), 'strides', node);
  const dilations = pair(node.attrInts('dilations', [1, 1]), 'dilations', node);
  const autoPad = node.attrString('auto_pad', 'NOTSET');
  let pads: [number, number, number, number];
  if (autoPad === 'VALID') pads = [0, 0, 0, 0];
  else if (autoPad === 'NOTSET') {
    const p = node.attrInts('pads', [0, 0, 0, 0]);
    if (p.length !== 4) {
      throw new SlimnetError('INVALID_ARGUMENT', `Conv '${node.name}': pads [${p.join(',')}] is not 2-D`);
    }
    pads = [p[0] as number, p[1] as number, p[2] as number, p[3] as number];
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const [t, b] = samePads(inSize[0], kh, strides[0], dilations[0], autoPad === 'SAME_LOWER');
    const [l, r] = samePads(inSize[1], kw, strides[1], dilations[1], autoPad === 'SAME_LOWER');
    pads = [t, l, b, r];
  } else throw new SlimnetError('INVALID_ARGUMENT', `Conv '${node.name}': unknown auto_pad '${autoPad}'`);
  const outSize: [number, number] = [
    convOutputSize(inSize[0], kh, strides[0], dilations[0], pads[0], pads[2]),
    convOutputSize(inSize[1], kw, strides[1], dilations[1], pads[1], pads[3]),
  ];
  const cin = cinPerGroup * group;
  return { kernel: [kh, kw], strides, dilations, pads, group, cin, cout, inSize: [inSize[0], inSize[1]], outSize };
}

/** Multiply-accumulates of one sample through the convolution (bias excluded). */
export function convMacs(g: ConvGeometry): number {
  return g.cout * (g.cin / g.group) * g.kernel[0] * g.kernel[1] * g.outSize[0] * g.outSize[1];
}

/** Features of a fully-connected layer's 2-D weight, and how it is stored. */
export interface FcGeometry {
  readonly in: number;
  readonly out: number;
  /** True when the weight is stored [out, in] (Gemm with transB = 1); false for [in, out] (MatMul, Gemm transB = 0). */
  readonly outMajor: boolean;
}

/** Input / output features of a Gemm or MatMul whose right operand (the weight) has dims `weightDims`. */
export function fcGeometry(node: Node, weightDims: readonly number[]): FcGeometry {
  if (weightDims.length !== 2) {
    const what = `${node.opType} '${node.name}'`;
    throw new SlimnetError('INVALID_ARGUMENT', `${what}: weight of rank ${weightDims.length}, expected 2`);
  }
  const [a, b] = weightDims as [number, number];
  const outMajor = node.opType === 'Gemm' && node.attrInt('transB', 0) === 1;
  return outMajor ? { in: b, out: a, outMajor } : { in: a, out: b, outMajor };
}
