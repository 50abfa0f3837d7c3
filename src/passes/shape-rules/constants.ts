/** Constants and shape queries: Constant, ConstantOfShape, Shape, Size, Range (contents folded when small). */
import type { Dim } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { prodDims } from './dims.js';
import type { RuleContext, RuleTable, ShapeRule, ValueInfo } from './types.js';

/** Largest constant whose contents are tracked for folding. */
export const MAX_FOLDED_ELEMENTS = 1024;

/** Contents of a numeric tensor small enough to fold, else undefined. */
export function foldableContents(t: Tensor): number[] | undefined {
  if (t.dtype === 'string' || t.size > MAX_FOLDED_ELEMENTS) return undefined;
  return t.toNumbers();
}

function tensorInfo(t: Tensor): ValueInfo {
  return { dtype: t.dtype, shape: t.dims, value: foldableContents(t) };
}

const constant: ShapeRule = (ctx) => {
  const n = ctx.node;
  const t = n.attrTensor('value');
  if (t !== undefined) return [tensorInfo(t)];
  const f = n.attributes.get('value_float');
  if (f?.type === 'float' || f?.type === 'int') return [{ dtype: 'float32', shape: [], value: [f.value] }];
  const fs = n.attrFloats('value_floats');
  if (fs !== undefined) return [{ dtype: 'float32', shape: [fs.length], value: fs }];
  const i = n.attributes.get('value_int');
  if (i?.type === 'int') return [{ dtype: 'int64', shape: [], value: [i.value] }];
  const is = n.attrInts('value_ints');
  if (is !== undefined) return [{ dtype: 'int64', shape: [is.length], value: is }];
  if (n.attributes.has('value_string')) return [{ dtype: 'string', shape: [] }];
  const ss = n.attributes.get('value_strings');
  if (ss?.type === 'strings') return [{ dtype: 'string', shape: [ss.value.length] }];
  return [{}];
};

const shape: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  if (x === undefined) return [{ dtype: 'int64', shape: [null] }];
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + x.length : v, 0), x.length);
  const start = clamp(ctx.node.attrInt('start', 0));
  const end = clamp(ctx.node.attrInt('end', x.length));
  const dims = x.slice(start, Math.max(start, end));
  return [{ dtype: 'int64', shape: [dims.length], value: dims }];
};

const size: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  return [{ dtype: 'int64', shape: [], value: x === undefined ? undefined : [prodDims(x)] }];
};

const constantOfShape: ShapeRule = (ctx) => {
  const dims = ctx.value(0);
  const t = ctx.node.attrTensor('value');
  const dtype = t?.dtype ?? 'float32';
  if (dims === undefined) {
    const s = ctx.shape(0);
    const rank = s?.[0];
    return [{ dtype, shape: typeof rank === 'number' ? new Array<Dim>(rank).fill(null) : undefined }];
  }
  const n = prodDims(dims);
  const fill = t === undefined ? 0 : (foldableContents(t)?.[0] ?? 0);
  const value = typeof n === 'number' && n <= MAX_FOLDED_ELEMENTS ? new Array<Dim>(n).fill(fill) : undefined;
  return [{ dtype, shape: dims, value }];
};

function scalar(ctx: RuleContext, i: number): number | undefined {
  const v = ctx.numbers(i);
  return v?.length === 1 ? v[0] : undefined;
}

const range: ShapeRule = (ctx) => {
  const [start, limit, delta] = [scalar(ctx, 0), scalar(ctx, 1), scalar(ctx, 2)];
  if (start === undefined || limit === undefined || delta === undefined) return [{ dtype: ctx.dtype(0), shape: [null] }];
  if (delta === 0) ctx.fail('Range delta cannot be 0');
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  const value = n <= MAX_FOLDED_ELEMENTS ? Array.from({ length: n }, (_, k) => start + k * delta) : undefined;
  return [{ dtype: ctx.dtype(0), shape: [n], value }];
};

export const constantRules: RuleTable = {
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Shape: shape,
  Size: size,
  Range: range,
};
