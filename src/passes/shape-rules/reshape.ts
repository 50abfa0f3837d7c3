/** Layout ops: Reshape (0 / -1 / allowzero), Flatten, Transpose, Squeeze, Unsqueeze, Expand, Tile. */
import type { Dim, Shape } from '../../ir/shape.js';
import { axesOf, broadcastShapes, normAxis, prodDims, unknownShape } from './dims.js';
import type { RuleContext, RuleTable, ShapeRule } from './types.js';

/** Splits dims into their numeric product and their symbols; undefined when any dim is null. */
function factor(dims: readonly Dim[]): { num: number; syms: string[] } | undefined {
  let num = 1;
  const syms: string[] = [];
  for (const d of dims) {
    if (d === null) return undefined;
    if (typeof d === 'number') num *= d;
    else syms.push(d);
  }
  return { num, syms };
}

/** The dim a -1 stands for: input volume over the other output dims, cancelling symbols. */
function inferredDim(ctx: RuleContext, x: Shape, others: readonly Dim[]): Dim {
  const a = factor(x);
  const b = factor(others);
  if (a === undefined || b === undefined) return null;
  for (const s of b.syms) {
    const k = a.syms.indexOf(s);
    if (k < 0) return null;
    a.syms.splice(k, 1);
  }
  if (a.syms.length === 0) {
    if (b.num === 0 || a.num % b.num !== 0) ctx.fail(`cannot reshape [${x.join(',')}]: ${a.num} elements do not divide by ${b.num}`);
    return a.num / b.num;
  }
  return a.syms.length === 1 && a.num === b.num ? (a.syms[0] as string) : null;
}

function unknownRank(ctx: RuleContext, i: number): Shape | undefined {
  const s = ctx.shape(i);
  return s?.length === 1 && typeof s[0] === 'number' ? unknownShape(s[0]) : undefined;
}

const reshape: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const target = ctx.opset < 5 ? ctx.node.attrInts('shape') : ctx.value(1);
  const base = { dtype: ctx.dtype(0), value: ctx.value(0) };
  if (target === undefined) return [{ ...base, shape: unknownRank(ctx, 1) }];
  const allowZero = ctx.node.attrInt('allowzero', 0) === 1;
  let minusOne = -1;
  const out: Dim[] = target.map((t, i) => {
    if (t === 0 && !allowZero) {
      if (x !== undefined && i >= x.length) ctx.fail(`shape entry ${i} is 0 but the input [${x.join(',')}] has no dim ${i}`);
      return x === undefined ? null : (x[i] as Dim);
    }
    if (t === -1) {
      if (minusOne >= 0) ctx.fail(`shape [${target.join(',')}] has more than one -1`);
      minusOne = i;
    }
    return t;
  });
  if (minusOne >= 0) {
    const others = out.filter((_, i) => i !== minusOne);
    out[minusOne] = x === undefined || others.includes(null) ? null : inferredDim(ctx, x, others);
  } else if (x !== undefined) {
    const a = prodDims(x);
    const b = prodDims(out);
    if (typeof a === 'number' && typeof b === 'number' && a !== b) {
      ctx.fail(`cannot reshape [${x.join(',')}] (${a} elements) to [${out.join(',')}] (${b} elements)`);
    }
  }
  return [{ ...base, shape: out }];
};

const flatten: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  if (x === undefined) return [{ dtype: ctx.dtype(0) }];
  const given = ctx.node.attrInt('axis', 1);
  const axis = given < 0 ? given + x.length : given;
  if (axis < 0 || axis > x.length) ctx.fail(`axis ${given} is out of range for rank ${x.length}`);
  return [{ dtype: ctx.dtype(0), shape: [prodDims(x.slice(0, axis)), prodDims(x.slice(axis))] }];
};

const transpose: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  if (x === undefined) return [{ dtype: ctx.dtype(0) }];
  const perm = ctx.node.attrInts('perm') ?? x.map((_, i) => x.length - 1 - i);
  const sorted = [...perm].sort((p, q) => p - q);
  if (perm.length !== x.length || sorted.some((p, i) => p !== i)) ctx.fail(`perm [${perm.join(',')}] is not a permutation of rank ${x.length}`);
  return [{ dtype: ctx.dtype(0), shape: perm.map((p) => x[p] as Dim) }];
};

const squeeze: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axes = axesOf(ctx, 1, 13);
  const base = { dtype: ctx.dtype(0), value: ctx.value(0) };
  if (x === undefined || axes === 'unknown') return [base];
  if (axes === undefined || axes.length === 0) {
    return [{ ...base, shape: x.includes(null) ? undefined : x.filter((d) => d !== 1) }];
  }
  const drop = new Set(axes.map((a) => normAxis(a, x.length, (m) => ctx.fail(m))));
  for (const a of drop) {
    const d = x[a];
    if (typeof d === 'number' && d !== 1) ctx.fail(`cannot squeeze axis ${a} of [${x.join(',')}]: size ${d} is not 1`);
  }
  return [{ ...base, shape: x.filter((_, i) => !drop.has(i)) }];
};

const unsqueeze: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axes = axesOf(ctx, 1, 13);
  const base = { dtype: ctx.dtype(0), value: ctx.value(0) };
  if (axes === undefined) return ctx.fail('Unsqueeze needs axes');
  if (x === undefined || axes === 'unknown') return [base];
  const rank = x.length + axes.length;
  const at = new Set(axes.map((a) => normAxis(a, rank, (m) => ctx.fail(m))));
  if (at.size !== axes.length) ctx.fail(`repeated axes [${axes.join(',')}]`);
  const out: Dim[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(at.has(i) ? 1 : (x[k++] as Dim));
  return [{ ...base, shape: out }];
};

const expand: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const target = ctx.value(1);
  if (x === undefined || target === undefined) return [{ dtype: ctx.dtype(0) }];
  return [{ dtype: ctx.dtype(0), shape: broadcastShapes([x, target], (m) => ctx.fail(`Expand to [${target.join(',')}]: ${m}`)) }];
};

const tile: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const repeats = ctx.numbers(1);
  if (x === undefined) return [{ dtype: ctx.dtype(0) }];
  if (repeats === undefined) return [{ dtype: ctx.dtype(0), shape: unknownShape(x.length) }];
  if (repeats.length !== x.length) ctx.fail(`repeats [${repeats.join(',')}] do not match rank ${x.length}`);
  return [{ dtype: ctx.dtype(0), shape: x.map((d, i) => prodDims([d, repeats[i] as number])) }];
};

export const reshapeRules: RuleTable = {
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Expand: expand,
  Tile: tile,
};
