/** Ops that cut and join along axes: Concat, Split, Slice, Pad, Gather, GatherElements. */
import type { Dim, Shape } from '../../ir/shape.js';
import { addDim, expectDim, mergeDim, normAxis, sumDims, unknownShape } from './dims.js';
import type { RuleContext, RuleTable, ShapeRule, ValueInfo } from './types.js';

const fail = (ctx: RuleContext) => (m: string): never => ctx.fail(m);

const concat: ShapeRule = (ctx) => {
  const shapes: Shape[] = [];
  for (let i = 0; i < ctx.numInputs; i++) {
    const s = ctx.shape(i);
    if (s === undefined) return [{ dtype: ctx.dtype(0) }];
    shapes.push(s);
  }
  const first = shapes[0];
  if (first === undefined) return ctx.fail('Concat needs at least one input');
  const axis = normAxis(ctx.node.attrInt('axis', 0), first.length, fail(ctx));
  const out: Dim[] = [...first];
  shapes.forEach((s, k) => {
    if (s.length !== first.length) ctx.fail(`input ${k} has rank ${s.length}, expected ${first.length}`);
    s.forEach((d, i) => {
      if (i === axis) return;
      expectDim(ctx, d, out[i] as Dim, `input ${k} dim ${i}`);
      out[i] = mergeDim(out[i] as Dim, d);
    });
  });
  out[axis] = sumDims(shapes.map((s) => s[axis] as Dim));
  const values = shapes.map((_, i) => ctx.value(i));
  const value = first.length === 1 && values.every((v) => v !== undefined) ? values.flatMap((v) => [...(v as Dim[])]) : undefined;
  return [{ dtype: ctx.dtype(0), shape: out, value }];
};

function splitSizes(ctx: RuleContext, dim: Dim, n: number): readonly Dim[] {
  const explicit = ctx.opset < 13 ? ctx.node.attrInts('split') : ctx.has(1) ? ctx.numbers(1) ?? 'unknown' : undefined;
  if (explicit === 'unknown') return new Array<Dim>(n).fill(null);
  if (explicit !== undefined) {
    if (explicit.length !== n) ctx.fail(`split [${explicit.join(',')}] has ${explicit.length} entries for ${n} outputs`);
    const total = explicit.reduce((a, b) => a + b, 0);
    expectDim(ctx, total, dim, `sum of split [${explicit.join(',')}] vs the split axis`);
    return explicit;
  }
  if (typeof dim !== 'number') return new Array<Dim>(n).fill(n === 1 ? dim : null);
  if (dim % n === 0) return new Array<Dim>(n).fill(dim / n);
  if (ctx.opset < 18) ctx.fail(`axis of size ${dim} does not split evenly into ${n} outputs`);
  const chunk = Math.ceil(dim / n);
  return Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, dim - chunk * i)));
}

const split: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const n = ctx.node.attrInt('num_outputs', ctx.numOutputs);
  if (x === undefined) return Array.from({ length: ctx.numOutputs }, () => ({ dtype: ctx.dtype(0) }));
  const axis = normAxis(ctx.node.attrInt('axis', 0), x.length, fail(ctx));
  return splitSizes(ctx, x[axis] as Dim, n).map((d) => ({ dtype: ctx.dtype(0), shape: x.map((e, i) => (i === axis ? d : e)) }));
};

const INT64_MAX_ISH = 2 ** 31 - 1;

/** Length of x[start:end:step] along an axis of size dim. */
export function sliceLength(dim: Dim, start: number, end: number, step: number, failWith: (m: string) => never): Dim {
  if (step === 0) failWith('slice step cannot be 0');
  if (typeof dim !== 'number') return start === 0 && step === 1 && end >= INT64_MAX_ISH ? dim : null;
  const s0 = start < 0 ? start + dim : start;
  const e0 = end < 0 ? end + dim : end;
  const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
  if (step > 0) return Math.max(0, Math.ceil((clamp(e0, 0, dim) - clamp(s0, 0, dim)) / step));
  return Math.max(0, Math.ceil((clamp(s0, 0, dim - 1) - clamp(e0, -1, dim - 1)) / -step));
}

interface SliceArgs { starts?: number[]; ends?: number[]; axes?: number[] | undefined; steps?: number[] | undefined }

function sliceArgs(ctx: RuleContext): SliceArgs | undefined {
  if (ctx.opset < 10) {
    const starts = ctx.node.attrInts('starts')?.slice();
    const ends = ctx.node.attrInts('ends')?.slice();
    if (starts === undefined || ends === undefined) ctx.fail('Slice needs starts and ends');
    return { starts, ends, axes: ctx.node.attrInts('axes')?.slice() };
  }
  const starts = ctx.numbers(1);
  const ends = ctx.numbers(2);
  const axes = ctx.has(3) ? ctx.numbers(3) : undefined;
  const steps = ctx.has(4) ? ctx.numbers(4) : undefined;
  if (starts === undefined || ends === undefined || (ctx.has(3) && axes === undefined) || (ctx.has(4) && steps === undefined)) return undefined;
  return { starts, ends, axes, steps };
}

const slice: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const dtype = ctx.dtype(0);
  if (x === undefined) return [{ dtype }];
  const args = sliceArgs(ctx);
  if (args?.starts === undefined || args.ends === undefined) return [{ dtype, shape: unknownShape(x.length) }];
  const { starts, ends } = args;
  const axes = args.axes ?? starts.map((_, i) => i);
  const steps = args.steps ?? starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    ctx.fail('starts / ends / axes / steps have different lengths');
  }
  const out: Dim[] = [...x];
  const picks: Array<[number, number, number]> = [];
  axes.forEach((a, k) => {
    const axis = normAxis(a, x.length, fail(ctx));
    const [s, e, st] = [starts[k] as number, ends[k] as number, steps[k] as number];
    out[axis] = sliceLength(x[axis] as Dim, s, e, st, fail(ctx));
    picks.push([s, e, st]);
  });
  return [{ dtype, shape: out, value: sliceValue(ctx.value(0), x, picks) }];
};

/** Folds slicing a known 1-D value. */
function sliceValue(v: readonly Dim[] | undefined, x: Shape, picks: Array<[number, number, number]>): Dim[] | undefined {
  const p = picks[0];
  if (v === undefined || x.length !== 1 || p === undefined) return undefined;
  const [start, end, step] = p;
  const n = v.length;
  const norm = (i: number, lo: number, hi: number): number => Math.min(Math.max(i < 0 ? i + n : i, lo), hi);
  const out: Dim[] = [];
  if (step > 0) for (let i = norm(start, 0, n); i < norm(end, 0, n); i += step) out.push(v[i] as Dim);
  else for (let i = norm(start, 0, n - 1); i > norm(end, -1, n - 1); i += step) out.push(v[i] as Dim);
  return out;
}

const pad: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  if (x === undefined) return [{ dtype: ctx.dtype(0) }];
  const pads = ctx.opset < 11 ? ctx.node.attrInts('pads') ?? ctx.node.attrInts('paddings') : ctx.numbers(1);
  if (pads === undefined) return [{ dtype: ctx.dtype(0), shape: unknownShape(x.length) }];
  const axes = ctx.opset >= 18 && ctx.has(3) ? ctx.numbers(3) : x.map((_, i) => i);
  if (axes === undefined) return [{ dtype: ctx.dtype(0), shape: unknownShape(x.length) }];
  if (pads.length !== 2 * axes.length) ctx.fail(`pads [${pads.join(',')}] should have ${2 * axes.length} entries`);
  const out: Dim[] = [...x];
  axes.forEach((a, k) => {
    const axis = normAxis(a, x.length, fail(ctx));
    const d = addDim(out[axis] as Dim, (pads[k] as number) + (pads[k + axes.length] as number));
    if (typeof d === 'number' && d < 0) ctx.fail(`padding axis ${axis} of [${x.join(',')}] gives size ${d}`);
    out[axis] = d;
  });
  return [{ dtype: ctx.dtype(0), shape: out }];
};

const gather: ShapeRule = (ctx) => {
  const data = ctx.shape(0);
  const idx = ctx.shape(1);
  if (data === undefined || idx === undefined) return [{ dtype: ctx.dtype(0) }];
  const axis = normAxis(ctx.node.attrInt('axis', 0), data.length, fail(ctx));
  const shape = [...data.slice(0, axis), ...idx, ...data.slice(axis + 1)];
  const info: ValueInfo = { dtype: ctx.dtype(0), shape, value: gatherValue(ctx, data) };
  return [info];
};

function gatherValue(ctx: RuleContext, data: Shape): Dim[] | undefined {
  const v = ctx.value(0);
  const idx = ctx.numbers(1);
  if (v === undefined || idx === undefined || data.length !== 1) return undefined;
  return idx.map((i) => {
    const k = i < 0 ? i + v.length : i;
    if (k < 0 || k >= v.length) ctx.fail(`Gather index ${i} is out of range for ${v.length} elements`);
    return v[k] as Dim;
  });
}

const gatherElements: ShapeRule = (ctx) => [{ dtype: ctx.dtype(0), shape: ctx.shape(1) }];

export const slicingRules: RuleTable = {
  Concat: concat,
  Split: split,
  Slice: slice,
  Pad: pad,
  Gather: gather,
  GatherElements: gatherElements,
};
