/**
 * Constant-folding rules, one per op type: each computes a node's single output from constant inputs, or
 * returns undefined when it cannot (an unsupported dtype or attribute form), leaving the node as it is.
 * Arithmetic follows numpy broadcasting; integer Div truncates toward zero as onnxruntime does.
 */
import type { Node } from '../ir/node.js';
import { dtypeFromOnnx, isFloatDType, type DType } from '../ir/dtype.js';
import { getNumber, setNumber, sizeOf, Tensor } from '../ir/tensor.js';

/** What a rule sees: the node, its inputs' constant values and static shapes (undefined when absent / unknown). */
export interface FoldContext {
  readonly node: Node;
  readonly inputs: ReadonlyArray<Tensor | undefined>;
  readonly shapes: ReadonlyArray<readonly number[] | undefined>;
}

/** Computes the folded output, or undefined to leave the node alone. */
export type FoldRule = (ctx: FoldContext) => Tensor | undefined;

/** A table entry: the rule, and whether it reads only its inputs' shapes (so they need not be constant). */
export interface FoldEntry {
  readonly fold: FoldRule;
  readonly shapeOnly?: boolean;
}

const numeric = (t: Tensor | undefined): t is Tensor => t !== undefined && t.dtype !== 'string';

/** A tensor of `dtype` and `dims` whose element i is f(i); undefined if an integer result is not finite (x / 0). */
function build(dtype: DType, dims: readonly number[], f: (i: number) => number): Tensor | undefined {
  const t = new Tensor(dtype, dims);
  const integer = !isFloatDType(dtype);
  for (let i = 0; i < t.size; i++) {
    const v = f(i);
    if (integer && !Number.isFinite(v)) return undefined;
    setNumber(t, i, v);
  }
  return t;
}

const strides = (dims: readonly number[]): number[] => dims.map((_, i) => sizeOf(dims.slice(i + 1)));

function binary(op: (a: number, b: number, integer: boolean) => number): FoldRule {
  return ({ inputs: [a, b] }) => {
    if (!numeric(a) || !numeric(b) || a.dtype !== b.dtype) return undefined;
    const rank = Math.max(a.rank, b.rank);
    const pad = (d: readonly number[]): number[] => [...new Array<number>(rank - d.length).fill(1), ...d];
    const [da, db] = [pad(a.dims), pad(b.dims)];
    if (da.some((d, i) => d !== db[i] && d !== 1 && db[i] !== 1)) return undefined;
    const dims = da.map((d, i) => Math.max(d, db[i] as number));
    const [sa, sb, so] = [strides(da), strides(db), strides(dims)];
    const integer = !isFloatDType(a.dtype);
    return build(a.dtype, dims, (i) => {
      let ia = 0;
      let ib = 0;
      for (let k = 0; k < rank; k++) {
        const c = Math.floor(i / (so[k] as number)) % (dims[k] as number);
        if (da[k] !== 1) ia += c * (sa[k] as number);
        if (db[k] !== 1) ib += c * (sb[k] as number);
      }
      return op(getNumber(a, ia), getNumber(b, ib), integer);
    });
  };
}

/** Axes from input 1 (opset 13+) or the `axes` attribute, made non-negative for rank `rank`. */
function axesOf(ctx: FoldContext, rank: number): number[] | undefined {
  const given = ctx.inputs[1] !== undefined ? ctx.inputs[1].toNumbers() : ctx.node.attrInts('axes');
  return given?.map((a) => (a < 0 ? a + rank : a));
}

const reshape: FoldRule = ({ node, inputs: [x, s] }) => {
  if (x === undefined || !numeric(s)) return undefined;
  const allowZero = node.attrInt('allowzero', 0) === 1;
  const dims = s.toNumbers().map((d, i) => (d === 0 && !allowZero ? (x.dims[i] as number) : d));
  const known = dims.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const out = dims.map((d) => (d === -1 ? x.size / known : d));
  return out.every((d) => Number.isInteger(d) && d >= 0) && sizeOf(out) === x.size ? x.reshape(out).clone() : undefined;
};

const transpose: FoldRule = ({ node, inputs: [x] }) => {
  if (x === undefined) return undefined;
  const perm = node.attrInts('perm', x.dims.map((_, i) => x.rank - 1 - i));
  const dims = perm.map((p) => x.dims[p] as number);
  const [sx, so] = [strides(x.dims), strides(dims)];
  const out = new Tensor(x.dtype, dims);
  for (let i = 0; i < out.size; i++) {
    let src = 0;
    perm.forEach((p, k) => (src += (Math.floor(i / (so[k] as number)) % (dims[k] as number)) * (sx[p] as number)));
    (out.data as unknown[])[i] = x.data[src];
  }
  return out;
};

const unsqueeze: FoldRule = (ctx) => {
  const x = ctx.inputs[0];
  const added = ctx.inputs[1]?.size ?? ctx.node.attrInts('axes')?.length ?? 0;
  const axes = x === undefined ? undefined : axesOf(ctx, x.rank + added);
  if (x === undefined || axes === undefined) return undefined;
  const dims = [...x.dims];
  for (const a of [...axes].sort((p, q) => p - q)) dims.splice(a, 0, 1);
  return x.reshape(dims).clone();
};

const squeeze: FoldRule = (ctx) => {
  const x = ctx.inputs[0];
  if (x === undefined) return undefined;
  const axes = axesOf(ctx, x.rank) ?? x.dims.flatMap((d, i) => (d === 1 ? [i] : []));
  if (axes.some((a) => x.dims[a] !== 1)) return undefined;
  return x.reshape(x.dims.filter((_, i) => !axes.includes(i))).clone();
};

const concat: FoldRule = ({ node, inputs }) => {
  const ts = inputs.filter((t): t is Tensor => t !== undefined);
  const first = ts[0];
  if (first === undefined || ts.some((t) => t.dtype !== first.dtype || t.rank !== first.rank)) return undefined;
  const axis = (node.attrInt('axis', 0) + first.rank) % first.rank;
  const outer = sizeOf(first.dims.slice(0, axis));
  const dims = first.dims.map((d, i) => (i === axis ? ts.reduce((s, t) => s + (t.dims[axis] as number), 0) : d));
  const out = new Tensor(first.dtype, dims);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (const t of ts) {
      const block = t.size / outer;
      for (let j = 0; j < block; j++) (out.data as unknown[])[k++] = t.data[o * block + j];
    }
  }
  return out;
};

const gather: FoldRule = ({ node, inputs: [x, idx] }) => {
  if (x === undefined || !numeric(idx)) return undefined;
  const axis = (node.attrInt('axis', 0) + x.rank) % x.rank;
  const n = x.dims[axis] as number;
  const indices = idx.toNumbers().map((i) => (i < 0 ? i + n : i));
  if (indices.some((i) => i < 0 || i >= n)) return undefined;
  const outer = sizeOf(x.dims.slice(0, axis));
  const inner = sizeOf(x.dims.slice(axis + 1));
  const out = new Tensor(x.dtype, [...x.dims.slice(0, axis), ...idx.dims, ...x.dims.slice(axis + 1)]);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    for (const i of indices) {
      for (let j = 0; j < inner; j++) (out.data as unknown[])[k++] = x.data[(o * n + i) * inner + j];
    }
  }
  return out;
};

const cast: FoldRule = ({ node, inputs: [x] }) => {
  const to = dtypeFromOnnx(node.attrInt('to', 0));
  if (!numeric(x) || to === undefined || to === 'string') return undefined;
  const convert = to === 'bool' ? (v: number) => (v !== 0 ? 1 : 0) : isFloatDType(to) ? (v: number) => v : Math.trunc;
  return build(to, x.dims, (i) => convert(getNumber(x, i)));
};

/** Shape (opset 15 start / end included) of an input whose shape is static. */
const shape: FoldRule = ({ node, shapes: [s] }) => {
  if (s === undefined) return undefined;
  const clamp = (a: number): number => Math.min(Math.max(a < 0 ? a + s.length : a, 0), s.length);
  const dims = s.slice(clamp(node.attrInt('start', 0)), clamp(node.attrInt('end', s.length)));
  return Tensor.i64([dims.length], dims);
};

/** The fold rules by op type (default ONNX domain). */
export const FOLD_RULES: ReadonlyMap<string, FoldEntry> = new Map<string, FoldEntry>([
  ['Identity', { fold: ({ inputs: [x] }) => x?.clone() }],
  ['Add', { fold: binary((a, b) => a + b) }],
  ['Sub', { fold: binary((a, b) => a - b) }],
  ['Mul', { fold: binary((a, b) => a * b) }],
  ['Div', { fold: binary((a, b, integer) => (integer ? Math.trunc(a / b) : a / b)) }],
  ['Neg', { fold: ({ inputs: [x] }) => (numeric(x) ? build(x.dtype, x.dims, (i) => -getNumber(x, i)) : undefined) }],
  ['Cast', { fold: cast }],
  ['Reshape', { fold: reshape }],
  ['Transpose', { fold: transpose }],
  ['Unsqueeze', { fold: unsqueeze }],
  ['Squeeze', { fold: squeeze }],
  ['Concat', { fold: concat }],
  ['Gather', { fold: gather }],
  ['Shape', { fold: shape, shapeOnly: true }],
]);
