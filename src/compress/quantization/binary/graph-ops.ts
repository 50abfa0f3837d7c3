/**
 * Graph building blocks shared by the binary / ternary quantizers: sign with sign(0) = +1, masks of
 * straight-through gradients, opset-correct reductions, per-output-channel statistics of a weight.
 */
import type { StraightThrough } from '../../../autodiff/backward.js';
import type { GraphBuilder } from '../../../ir/builder.js';
import type { Value } from '../../../ir/value.js';

/** Graph-building context of one quantizer instance: a name prefix and the model's ai.onnx opset. */
export interface OpsContext {
  readonly name: string;
  readonly opset: number;
}

export type GradFn = NonNullable<StraightThrough['grad']>;

/** A float32 scalar constant named under the quantizer. */
export function k(b: GraphBuilder, c: OpsContext, v: number): Value {
  return b.constant(v, [], `${c.name}/c`);
}

/** Named node with one output. */
export function op(b: GraphBuilder, c: OpsContext, opType: string, inputs: ReadonlyArray<Value | undefined>, what: string, attrs: Record<string, number | number[]> = {}): Value {
  return b.op(opType, inputs, attrs, { name: `${c.name}/${what}` });
}

/** +1 where x ≥ 0, −1 elsewhere (ONNX Sign gives 0 at 0, which a 1-bit code cannot hold). */
export function signPlus(b: GraphBuilder, c: OpsContext, x: Value): Value {
  return op(b, c, 'Where', [op(b, c, 'GreaterOrEqual', [x, k(b, c, 0)], 'nonneg'), k(b, c, 1), k(b, c, -1)], 'sign');
}

/** ReduceOp over `axes` in the form the opset wants (axes as input from 13 for ReduceSum, 18 for the rest). */
export function reduce(b: GraphBuilder, c: OpsContext, opType: 'ReduceMean' | 'ReduceMax' | 'ReduceSum', x: Value, axes: readonly number[], keepdims: boolean, what: string): Value {
  const asInput = opType === 'ReduceSum' ? c.opset >= 13 : c.opset >= 18;
  const kd = keepdims ? 1 : 0;
  if (asInput) return op(b, c, opType, [x, b.constInt64([...axes], [axes.length], `${c.name}/axes`)], what, { keepdims: kd });
  return op(b, c, opType, [x], what, { axes: [...axes], keepdims: kd });
}

/** All axes of a rank-r tensor but `keep`. */
export function otherAxes(rank: number, keep: number): number[] {
  return Array.from({ length: rank }, (_, i) => i).filter((i) => i !== keep);
}

/** All axes of a rank-r tensor. */
export function allAxes(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i);
}

/** Gradient mask d · 1[lo ≤ x ≤ hi] (either bound may be omitted; `openLo` makes the lower bound strict). */
export function rangeGrad(c: OpsContext, lo: number | undefined, hi: number | undefined, openLo = false): GradFn {
  return (b, d, x) => {
    const conds: Value[] = [];
    if (lo !== undefined) conds.push(op(b, c, openLo ? 'Greater' : 'GreaterOrEqual', [x, k(b, c, lo)], 'ste_lo'));
    if (hi !== undefined) conds.push(op(b, c, 'LessOrEqual', [x, k(b, c, hi)], 'ste_hi'));
    if (conds.length === 0) return d;
    const inside = conds.length === 1 ? (conds[0] as Value) : op(b, c, 'And', conds, 'ste_inside');
    const g = op(b, c, 'Where', [inside, d, k(b, c, 0)], 'ste');
    g.dtype = x.dtype;
    g.shape = x.shape;
    return g;
  };
}

/** The hardtanh straight-through estimator of sign: d · 1[|x| ≤ 1]. */
export function hardtanhGrad(c: OpsContext, limit = 1): GradFn {
  return rangeGrad(c, -limit, limit);
}

/** Gives v the dtype and shape of `like` (the transforms' outputs keep their input's type). */
export function typed(v: Value, like: Value): Value {
  v.dtype ??= like.dtype;
  v.shape ??= like.shape;
  return v;
}
