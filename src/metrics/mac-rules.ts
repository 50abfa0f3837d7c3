/**
 * Cost rules, one per op type. Conventions:
 *  - `macs` counts multiply-accumulates of the op's matrix / convolution core only:
 *      Conv          N·outC·outSpatial·(inC/groups)·prod(kernel)      (depthwise: groups = C)
 *      ConvTranspose N·inC·inSpatial·(outC/groups)·prod(kernel)
 *      Gemm          M·N·K, MatMul prod(batch)·M·N·K
 *      LSTM/GRU/RNN  seq·dirs·batch·gates·H·(input + H)          (gates 4 / 3 / 1)
 *    Quantized forms (QLinearConv, ConvInteger, QLinearMatMul, MatMulInteger) count as their float ops.
 *  - `elementOps` counts the rest, one per elementary operation: bias adds of Conv / Gemm, one per output
 *    element for elementwise ops, Softmax, Resize and (de)quantization, two for BatchNormalization
 *    (scale + shift), prod(kernel) per output for windowed pooling, one per input element for
 *    reductions and global pooling, one per gate activation for recurrent layers.
 *  - Pure data movement (Reshape, Transpose, Concat, Slice, Gather, Shape...) costs 0 and 0.
 * A rule returns undefined when the shapes it needs are unknown; ops with no rule are the caller's
 * 'uncounted' list.
 */
import type { Node } from '../ir/node.js';

/** The cost of one node: multiply-accumulates and other element operations. */
export interface OpCost {
  readonly macs: number;
  readonly elementOps: number;
}

/** What a MAC rule sees: the node and the static shapes of its inputs and outputs. */
export interface MacContext {
  readonly node: Node;
  /** Static shape of input i (symbols resolved), undefined when unknown or absent. */
  inShape(i: number): readonly number[] | undefined;
  /** Static shape of output k, undefined when unknown. */
  outShape(k: number): readonly number[] | undefined;
}

/** Computes a node's cost from its shapes, or undefined when a shape it needs is unknown. */
export type MacRule = (ctx: MacContext) => OpCost | undefined;

const prod = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

function conv(wi: number, bi: number): MacRule {
  return (ctx) => {
    const w = ctx.inShape(wi);
    const y = ctx.outShape(0);
    if (w === undefined || y === undefined) return undefined;
    const outElems = prod(y);
    return { macs: outElems * prod(w.slice(1)), elementOps: ctx.node.inputs[bi] === undefined ? 0 : outElems };
  };
}

const convTranspose: MacRule = (ctx) => {
  const x = ctx.inShape(0);
  const w = ctx.inShape(1);
  const y = ctx.outShape(0);
  if (x === undefined || w === undefined || y === undefined) return undefined;
  return { macs: prod(x) * prod(w.slice(1)), elementOps: ctx.node.inputs[2] === undefined ? 0 : prod(y) };
};

const gemm: MacRule = (ctx) => {
  const a = ctx.inShape(0);
  const y = ctx.outShape(0);
  if (a === undefined || y === undefined) return undefined;
  const k = ctx.node.attrInt('transA', 0) === 1 ? a[0] : a[1];
  if (k === undefined) return undefined;
  return { macs: prod(y) * k, elementOps: ctx.node.inputs[2] === undefined ? 0 : prod(y) };
};

function matmul(ai: number): MacRule {
  return (ctx) => {
    const a = ctx.inShape(ai);
    const y = ctx.outShape(0);
    const k = a?.[a.length - 1];
    if (k === undefined || y === undefined) return undefined;
    return { macs: prod(y) * k, elementOps: 0 };
  };
}

function recurrent(gates: number): MacRule {
  return (ctx) => {
    const w = ctx.inShape(1);
    const r = ctx.inShape(2);
    const y = ctx.outShape(0);
    if (w === undefined || r === undefined || y === undefined) return undefined;
    const [dirs = 1, rows = 0, input = 0] = w;
    const hidden = r[2] ?? 0;
    const steps = prod(y) / Math.max(1, dirs * hidden);
    return { macs: steps * dirs * rows * (input + hidden), elementOps: steps * dirs * gates * hidden };
  };
}

/** One elementary op per output element times `perElement`. */
function perOutput(perElement: number): MacRule {
  return (ctx) => {
    const y = ctx.outShape(0);
    return y === undefined ? undefined : { macs: 0, elementOps: prod(y) * perElement };
  };
}

const perInput: MacRule = (ctx) => {
  const x = ctx.inShape(0);
  return x === undefined ? undefined : { macs: 0, elementOps: prod(x) };
};

const pool: MacRule = (ctx) => {
  const y = ctx.outShape(0);
  const k = ctx.node.attrInts('kernel_shape');
  return y === undefined || k === undefined ? undefined : { macs: 0, elementOps: prod(y) * prod(k) };
};

const free: MacRule = () => ({ macs: 0, elementOps: 0 });

const ELEMENTWISE = [
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'Sum', 'Max', 'Min', 'Mean', 'PRelu', 'Relu', 'LeakyRelu', 'Sigmoid',
  'Tanh', 'Clip', 'HardSigmoid', 'HardSwish', 'Softplus', 'Softsign', 'Exp', 'Log', 'Sqrt', 'Neg', 'Abs', 'Sign',
  'Round', 'Floor', 'Ceil', 'Reciprocal', 'Erf', 'Elu', 'Selu', 'Celu', 'Gelu', 'Mish', 'Not', 'Equal', 'Less',
  'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'Where', 'Softmax', 'LogSoftmax', 'Hardmax',
  'QuantizeLinear', 'DequantizeLinear', 'Resize', 'Upsample', 'InstanceNormalization', 'LayerNormalization',
  'LRN', 'Sin', 'Cos', 'CumSum', 'IsNaN', 'IsInf',
];
const REDUCTIONS = [
  'ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum',
  'ReduceLogSumExp', 'ReduceSumSquare', 'ArgMax', 'ArgMin', 'TopK', 'GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool',
];
const DATA_MOVEMENT = [
  'Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Concat', 'Split', 'Slice', 'Gather', 'GatherElements',
  'Pad', 'Expand', 'Tile', 'Identity', 'Dropout', 'Cast', 'CastLike', 'Shape', 'Size', 'Constant', 'ConstantOfShape',
  'Range', 'MaxUnpool',
];

const table: Record<string, MacRule> = {
  Conv: conv(1, 2),
  ConvInteger: conv(1, -1),
  QLinearConv: conv(3, 8),
  ConvTranspose: convTranspose,
  Gemm: gemm,
  MatMul: matmul(0),
  MatMulInteger: matmul(0),
  QLinearMatMul: matmul(0),
  LSTM: recurrent(4),
  GRU: recurrent(3),
  RNN: recurrent(1),
  MaxPool: pool,
  AveragePool: pool,
  LpPool: pool,
  BatchNormalization: perOutput(2),
};
for (const op of ELEMENTWISE) table[op] = perOutput(1);
for (const op of REDUCTIONS) table[op] = perInput;
for (const op of DATA_MOVEMENT) table[op] = free;

/** MAC / element-op rules by op type (ai.onnx domain). */
export const MAC_RULES: ReadonlyMap<string, MacRule> = new Map(Object.entries(table));
