/**
 * Elementwise ops: unary (same shape and dtype), binary / variadic with numpy broadcasting,
 * comparisons (bool), Where, Cast, Dropout, Quantize/DequantizeLinear. Small int64 arithmetic on
 * known values (shape computations) is folded.
 */
import { dtypeFromOnnx, type DType } from '../../ir/dtype.js';
import type { Dim, Shape } from '../../ir/shape.js';
import { broadcastShapes } from './dims.js';
import type { RuleContext, RuleTable, ShapeRule, ValueInfo } from './types.js';

const UNARY = [
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'HardSigmoid', 'HardSwish', 'Softplus', 'Softsign', 'Exp', 'Log',
  'Sqrt', 'Neg', 'Abs', 'Sign', 'Round', 'Floor', 'Ceil', 'Reciprocal', 'Erf', 'Elu', 'Selu', 'Celu', 'Gelu',
  'Mish', 'ThresholdedRelu', 'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh',
  'Atanh', 'Clip', 'Shrink', 'Softmax', 'LogSoftmax', 'Hardmax', 'LRN', 'InstanceNormalization',
  'MeanVarianceNormalization', 'BitwiseNot', 'CumSum', 'Trilu', 'Not',
];
const BINARY = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'PRelu', 'BitShift', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'Sum', 'Max', 'Min', 'Mean'];
const COMPARE = ['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor'];

const unary: ShapeRule = (ctx) => [{ dtype: ctx.dtype(0), shape: ctx.shape(0) }];

const passThrough: ShapeRule = (ctx) => [{ dtype: ctx.dtype(0), shape: ctx.shape(0), value: ctx.value(0) }];

/** Broadcast shape of inputs `from..` (undefined if any is unknown). */
function broadcastInputs(ctx: RuleContext, from = 0): Shape | undefined {
  const shapes: Shape[] = [];
  for (let i = from; i < ctx.numInputs; i++) {
    if (!ctx.has(i)) continue;
    const s = ctx.shape(i);
    if (s === undefined) return undefined;
    shapes.push(s);
  }
  return broadcastShapes(shapes, (m) => ctx.fail(m));
}

type Arith = (a: number, b: number) => number;
const ARITH: Readonly<Record<string, Arith>> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => a / b,
};

/** Folds Add/Sub/Mul/Div of two known 0-D / 1-D values (shape arithmetic). */
function foldBinary(ctx: RuleContext, shape: Shape | undefined, dtype: DType | undefined): readonly Dim[] | undefined {
  const f = ARITH[ctx.node.opType];
  const a = ctx.value(0);
  const b = ctx.value(1);
  if (f === undefined || a === undefined || b === undefined || shape === undefined || shape.length > 1) return undefined;
  const n = Math.max(a.length, b.length);
  if ((a.length !== n && a.length !== 1) || (b.length !== n && b.length !== 1)) return undefined;
  const isInt = dtype !== undefined && dtype.includes('int');
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) out.push(combine(ctx.node.opType, f, a[a.length === 1 ? 0 : i] as Dim, b[b.length === 1 ? 0 : i] as Dim, isInt));
  return out;
}

function combine(op: string, f: Arith, x: Dim, y: Dim, isInt: boolean): Dim {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = f(x, y);
    return isInt ? Math.trunc(r) : r;
  }
  const identity = op === 'Add' || op === 'Sub' ? 0 : 1;
  if (y === identity) return x;
  if (x === identity && (op === 'Add' || op === 'Mul')) return y;
  return null;
}

const binary: ShapeRule = (ctx) => {
  const shape = broadcastInputs(ctx);
  const dtype = ctx.dtype(0);
  return [{ dtype, shape, value: foldBinary(ctx, shape, dtype) }];
};

const compare: ShapeRule = (ctx) => [{ dtype: 'bool', shape: broadcastInputs(ctx) }];

const boolUnary: ShapeRule = (ctx) => [{ dtype: 'bool', shape: ctx.shape(0) }];

const where: ShapeRule = (ctx) => [{ dtype: ctx.dtype(1) ?? ctx.dtype(2), shape: broadcastInputs(ctx) }];

const cast: ShapeRule = (ctx) => {
  const to = ctx.node.attrInt('to');
  const dtype = to === undefined ? undefined : dtypeFromOnnx(to);
  if (to !== undefined && dtype === undefined) ctx.fail(`Cast to unsupported ONNX type ${to}`);
  const v = ctx.value(0);
  const isInt = dtype !== undefined && dtype.includes('int');
  const value = v?.map((d) => (isInt && typeof d === 'number' ? Math.trunc(d) : d));
  return [{ dtype, shape: ctx.shape(0), value }];
};

const castLike: ShapeRule = (ctx) => [{ dtype: ctx.dtype(1), shape: ctx.shape(0), value: ctx.value(0) }];

const dropout: ShapeRule = (ctx) => {
  const out: ValueInfo[] = [{ dtype: ctx.dtype(0), shape: ctx.shape(0) }];
  if (ctx.numOutputs > 1) out.push({ dtype: 'bool', shape: ctx.shape(0) });
  return out;
};

const quantize: ShapeRule = (ctx) => {
  const attr = ctx.node.attrInt('output_dtype', 0);
  const fromAttr = attr === 0 ? undefined : dtypeFromOnnx(attr);
  return [{ dtype: fromAttr ?? (ctx.has(2) ? ctx.dtype(2) : 'uint8'), shape: ctx.shape(0) }];
};

const dequantize: ShapeRule = (ctx) => [{ dtype: ctx.dtype(1) ?? 'float32', shape: ctx.shape(0) }];

const table: Record<string, ShapeRule> = {
  Identity: passThrough,
  Where: where,
  Cast: cast,
  CastLike: castLike,
  Dropout: dropout,
  QuantizeLinear: quantize,
  DequantizeLinear: dequantize,
  IsNaN: boolUnary,
  IsInf: boolUnary,
};
for (const op of UNARY) table[op] = unary;
for (const op of BINARY) table[op] = binary;
for (const op of COMPARE) table[op] = compare;

export const elementwiseRules: RuleTable = table;
