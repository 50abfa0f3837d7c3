/** Reductions (axes by attribute or input depending on opset; keepdims; noop_with_empty_axes), ArgMax/Min, TopK. */
import type { Dim } from '../../ir/shape.js';
import { axesOf, normAxis, unknownShape } from './dims.js';
import type { RuleContext, RuleTable, ShapeRule } from './types.js';

/** Opset from which each reduction takes its axes as an input. */
const AXES_INPUT_SINCE: Readonly<Record<string, number>> = {
  ReduceSum: 13, ReduceMean: 18, ReduceMax: 18, ReduceMin: 18, ReduceProd: 18, ReduceL1: 18, ReduceL2: 18,
  ReduceLogSum: 18, ReduceLogSumExp: 18, ReduceSumSquare: 18,
};

const reduce: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const dtype = ctx.dtype(0);
  if (x === undefined) return [{ dtype }];
  const keep = ctx.node.attrInt('keepdims', 1) === 1;
  const axes = axesOf(ctx, 1, AXES_INPUT_SINCE[ctx.node.opType] ?? 18);
  if (axes === 'unknown') return [{ dtype, shape: keep ? unknownShape(x.length) : undefined }];
  if (axes === undefined || axes.length === 0) {
    if (ctx.node.attrInt('noop_with_empty_axes', 0) === 1) return [{ dtype, shape: x }];
    return [{ dtype, shape: keep ? x.map(() => 1) : [] }];
  }
  const set = new Set(axes.map((a) => normAxis(a, x.length, (m) => ctx.fail(m))));
  return [{ dtype, shape: reduced(x, set, keep) }];
};

function reduced(x: readonly Dim[], axes: ReadonlySet<number>, keep: boolean): Dim[] {
  const out: Dim[] = [];
  x.forEach((d, i) => {
    if (!axes.has(i)) out.push(d);
    else if (keep) out.push(1);
  });
  return out;
}

const argReduce: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  if (x === undefined) return [{ dtype: 'int64' }];
  const axis = normAxis(ctx.node.attrInt('axis', 0), x.length, (m) => ctx.fail(m));
  return [{ dtype: 'int64', shape: reduced(x, new Set([axis]), ctx.node.attrInt('keepdims', 1) === 1) }];
};

function topKValue(ctx: RuleContext): Dim {
  if (ctx.opset < 10) return ctx.node.attrInt('k') ?? null;
  const k = ctx.numbers(1);
  return k?.length === 1 ? (k[0] as number) : null;
}

const topK: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  if (x === undefined) return [{ dtype: ctx.dtype(0) }, { dtype: 'int64' }];
  const axis = normAxis(ctx.node.attrInt('axis', -1), x.length, (m) => ctx.fail(m));
  const k = topKValue(ctx);
  const d = x[axis];
  if (typeof k === 'number' && typeof d === 'number' && k > d) ctx.fail(`k = ${k} exceeds axis ${axis} of size ${d}`);
  const shape = x.map((e, i) => (i === axis ? k : e));
  return [{ dtype: ctx.dtype(0), shape }, { dtype: 'int64', shape }];
};

const table: Record<string, ShapeRule> = { ArgMax: argReduce, ArgMin: argReduce, TopK: topK };
for (const op of Object.keys(AXES_INPUT_SINCE)) table[op] = reduce;

export const reduceRules: RuleTable = table;
