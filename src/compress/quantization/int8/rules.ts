/**
 * Per-op int8 behaviour, keyed by op type. An op without a rule stays float (or throws UnsupportedOpError
 * in strict mode). Kinds:
 * - 'conv' / 'gemm' / 'matmul': integer kernels with an int8 weight initializer (input 1) and optional bias;
 * - 'add' / 'gap': integer ops on two / one uint8 activations (com.microsoft QLinearAdd / QLinearGlobalAveragePool);
 * - 'passthrough': ops that move uint8 values unchanged (MaxPool, Flatten, Reshape...): output shares the
 *   input's quantization parameters, quantized only when their input already is.
 */
import type { Node } from '../../../ir/node.js';
import { constantValue } from '../../../onnx/index.js';

export type QuantKind = 'conv' | 'gemm' | 'matmul' | 'add' | 'gap' | 'passthrough';

export interface QuantRule {
  readonly kind: QuantKind;
  /** Inputs that are uint8 activations. */
  readonly activations: readonly number[];
  /** Whether this node can be quantized (attributes / constant weights as the kernel needs). */
  readonly accepts: (n: Node) => boolean;
  /** Output channel axis of the weight (input 1) for per-channel quantization. */
  readonly weightAxis?: (n: Node) => number;
}

function constWeight(n: Node, rank?: number): boolean {
  const w = n.inputs[1];
  const t = w === undefined ? undefined : constantValue(w);
  return t !== undefined && t.dtype === 'float32' && (rank === undefined || t.rank === rank);
}

function constBias(n: Node): boolean {
  const b = n.inputs[2];
  if (b === undefined) return true;
  const t = constantValue(b);
  return t !== undefined && t.dtype === 'float32' && t.rank === 1;
}

export const QUANT_RULES: Readonly<Record<string, QuantRule>> = {
  Conv: { kind: 'conv', activations: [0], accepts: (n) => constWeight(n) && constBias(n), weightAxis: () => 0 },
  Gemm: {
    kind: 'gemm',
    activations: [0],
    accepts: (n) => constWeight(n, 2) && constBias(n) && n.attrInt('transA', 0) === 0 && n.attrFloat('alpha', 1) === 1 && n.attrFloat('beta', 1) === 1,
    weightAxis: (n) => (n.attrInt('transB', 0) === 1 ? 0 : 1),
  },
  MatMul: { kind: 'matmul', activations: [0], accepts: (n) => constWeight(n, 2), weightAxis: () => 1 },
  Add: { kind: 'add', activations: [0, 1], accepts: (n) => n.inputs.every((v) => v !== undefined && constantValue(v) === undefined) },
  GlobalAveragePool: { kind: 'gap', activations: [0], accepts: () => true },
  MaxPool: { kind: 'passthrough', activations: [0], accepts: (n) => n.outputs.length === 1 && n.attrInt('storage_order', 0) === 0 },
  Flatten: { kind: 'passthrough', activations: [0], accepts: () => true },
  Reshape: { kind: 'passthrough', activations: [0], accepts: () => true },
};

export function ruleFor(n: Node): QuantRule | undefined {
  if (n.domain !== '' && n.domain !== 'ai.onnx') return undefined;
  return Object.prototype.hasOwnProperty.call(QUANT_RULES, n.opType) ? QUANT_RULES[n.opType] : undefined;
}
