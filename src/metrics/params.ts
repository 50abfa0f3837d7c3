/**
 * Which constant node inputs are parameters. A parameter is an initializer (or Constant-node output)
 * read at a weight slot:
 *  - ops with weights list their slots (Conv W and B, Gemm B and C, BatchNormalization's four vectors,
 *    LSTM W / R / B / P, QLinearConv's int8 weight and int32 bias, DequantizeLinear's stored weight, a
 *    constant DFT signal such as a circulant layer's vector...);
 *  - elementwise arithmetic (Add / Mul / Sub / Div / PRelu / Where...) counts constant operands with more
 *    than one element (bias and scale vectors; scalar constants are not parameters);
 *  - ops without a shape or cost rule (custom ops) count floating-point / 8-bit constants of more than
 *    one element;
 *  - everything else (Reshape shapes, Slice bounds, Resize scales, quantization scales and zero points,
 *    Clip bounds, Gather indices) holds no parameters.
 * Each tensor is counted once per model, at its first use in node order.
 */
import { isFloatDType } from '../ir/dtype.js';
import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';

type Slots = readonly number[] | 'arith' | 'none';

const PARAM_SLOTS: Readonly<Record<string, Slots>> = {
  Conv: [1, 2], ConvTranspose: [1, 2], ConvInteger: [1], QLinearConv: [3, 8],
  Gemm: [0, 1, 2], MatMul: [0, 1], MatMulInteger: [0, 1], QLinearMatMul: [0, 3], Einsum: [0, 1, 2],
  BatchNormalization: [1, 2, 3, 4], InstanceNormalization: [1, 2], LayerNormalization: [1, 2], GroupNormalization: [1, 2],
  LSTM: [1, 2, 3, 7], GRU: [1, 2, 3], RNN: [1, 2, 3],
  DequantizeLinear: [0], Gather: [0], DFT: [0],
  Add: 'arith', Sub: 'arith', Mul: 'arith', Div: 'arith', PRelu: 'arith', Where: 'arith', Sum: 'arith', Max: 'arith', Min: 'arith',
};

/** The constant tensor behind a value: its initializer, or the `value` of the Constant node producing it. */
export function constantTensor(v: Value): Tensor | undefined {
  if (v.initializer !== undefined) return v.initializer;
  const p = v.producer;
  if (p === undefined || p.opType !== 'Constant') return undefined;
  const a = p.attributes.get('value');
  return a?.type === 'tensor' ? a.value : undefined;
}

/** Parameter tensors read by `node` (with their values), given whether the op is known to slimnet. */
export function parameterInputs(node: Node, knownOp: boolean): Array<[Value, Tensor]> {
  const slots: Slots = PARAM_SLOTS[node.opType] ?? (knownOp ? 'none' : 'arith');
  if (slots === 'none') return [];
  const out: Array<[Value, Tensor]> = [];
  node.inputs.forEach((v, i) => {
    if (v === undefined) return;
    const t = constantTensor(v);
    if (t === undefined) return;
    if (slots === 'arith' ? isWeightLike(t) : slots.includes(i)) out.push([v, t]);
  });
  return out;
}

function isWeightLike(t: Tensor): boolean {
  return t.size > 1 && (isFloatDType(t.dtype) || t.dtype === 'int8' || t.dtype === 'uint8');
}

/** Number of elements that are not zero (float16 / bfloat16 compared on their bit patterns; -0 is zero). */
export function countNonzero(t: Tensor): number {
  const d = t.data;
  let n = 0;
  if (Array.isArray(d)) {
    for (const s of d) if (s !== '') n++;
    return n;
  }
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    for (let i = 0; i < d.length; i++) if (d[i] !== 0n) n++;
    return n;
  }
  const half = t.dtype === 'float16' || t.dtype === 'bfloat16';
  for (let i = 0; i < d.length; i++) {
    const x = d[i] as number;
    if (half ? (x & 0x7fff) !== 0 : x !== 0) n++;
  }
  return n;
}
