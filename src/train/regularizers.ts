/**
 * Extra loss terms ("hooks"): small functions that append nodes computing a scalar from the trainable
 * parameters. The training graph adds coefficient × term to the loss, and autodiff differentiates it.
 *
 *   l1Term          Σ |w|                         (weights of Conv / Gemm / MatMul by default)
 *   l2Term          ½ Σ w²                        (so the coefficient acts like coupled weight decay)
 *   groupLassoTerm  Σ_g √(Σ_{i∈g} w_i² + ε)       groups = filters (dim 0) or input channels (dim 1)
 *   bnScaleL1Term   Σ |γ| over BatchNormalization scales (network slimming)
 */
import type { GraphBuilder } from '../ir/builder.js';
import type { Value } from '../ir/value.js';

/** A trainable parameter as the hooks see it (the stored weight, before any weight transform). */
export interface ParamRef {
  readonly name: string;
  readonly value: Value;
  readonly dims: readonly number[];
  /** The ops reading it and at which input slot. */
  readonly uses: ReadonlyArray<{ readonly opType: string; readonly index: number }>;
}

/** What a loss term's builder sees: the graph builder and the trainable parameters. */
export interface TermContext {
  readonly b: GraphBuilder;
  readonly params: readonly ParamRef[];
}

/** A named term added to the training loss as coefficient × term (a regularizer). */
export interface LossTerm {
  /** Short name (node names, reports). */
  readonly name: string;
  readonly coefficient: number;
  /** Appends the nodes and returns a float32 scalar, or undefined when no parameter matched. */
  readonly build: (ctx: TermContext) => Value | undefined;
}

/** Chooses the parameters a regularizer applies to. */
export type ParamFilter = (p: ParamRef) => boolean;

/** Default filter: weight tensors (input 1) of Conv / ConvTranspose / Gemm / MatMul. */
export const isLayerWeight: ParamFilter = (p) =>
  p.dims.length >= 2 && p.uses.some((u) => ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'].includes(u.opType) && u.index === 1);

/** Conv weights (rank 4). */
export const isConvWeight: ParamFilter = (p) => p.dims.length === 4 && p.uses.some((u) => u.opType === 'Conv' && u.index === 1);

/** BatchNormalization scales. */
export const isBatchNormScale: ParamFilter = (p) => p.uses.some((u) => u.opType === 'BatchNormalization' && u.index === 1);

function sumScalars(b: GraphBuilder, name: string, parts: Value[]): Value | undefined {
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : b.op('Sum', parts, {}, { name: `${name}/sum` });
}

function reduceAll(b: GraphBuilder, x: Value, name: string): Value {
  return b.op('ReduceSum', [x], { keepdims: 0 }, { name });
}

function perParam(name: string, coefficient: number, filter: ParamFilter, f: (b: GraphBuilder, w: Value, n: string) => Value): LossTerm {
  return {
    name,
    coefficient,
    build: ({ b, params }) => sumScalars(b, name, params.filter(filter).map((p) => f(b, p.value, `${name}/${p.name}`))),
  };
}

/** An L1 regularizer: coefficient × Σ|w| over the parameters `filter` selects (default: conv / fc weights). */
export function l1Term(coefficient: number, filter: ParamFilter = isLayerWeight): LossTerm {
  return perParam('l1', coefficient, filter, (b, w, n) => reduceAll(b, b.op('Abs', [w], {}, { name: `${n}/abs` }), `${n}/sum`));
}

/** An L2 regularizer: coefficient × ½Σw² over the parameters `filter` selects (default: conv / fc weights). */
export function l2Term(coefficient: number, filter: ParamFilter = isLayerWeight): LossTerm {
  return perParam('l2', coefficient, filter, (b, w, n) => {
    const sq = reduceAll(b, b.op('Mul', [w, w], {}, { name: `${n}/sq` }), `${n}/sum`);
    return b.op('Mul', [sq, b.constant(0.5, [], `${n}/half`)], {}, { name: `${n}/half` });
  });
}

/**
 * Group lasso over dimension `dim` of each matched weight: dim 0 groups whole filters / output units,
 * dim 1 groups input channels. ε keeps the gradient finite at an all-zero group.
 */
export function groupLassoTerm(coefficient: number, dim: 0 | 1, filter: ParamFilter = isConvWeight, eps = 1e-8): LossTerm {
  return perParam(`group_lasso_dim${dim}`, coefficient, filter, (b, w, n) => {
    const rank = w.shape?.length ?? 4;
    const axes = [...Array(rank).keys()].filter((a) => a !== dim);
    const sq = b.op('ReduceSum', [b.op('Mul', [w, w], {}, { name: `${n}/sq` }), b.constInt64(axes)], { keepdims: 0 }, { name: `${n}/group_sum` });
    const norms = b.op('Sqrt', [b.op('Add', [sq, b.constant(eps, [], `${n}/eps`)], {}, { name: `${n}/add_eps` })], {}, { name: `${n}/norm` });
    return reduceAll(b, norms, `${n}/sum`);
  });
}

/** The network-slimming regularizer: coefficient × Σ|γ| over BatchNorm scales. */
export function bnScaleL1Term(coefficient: number): LossTerm {
  const t = l1Term(coefficient, isBatchNormScale);
  return { ...t, name: 'bn_scale_l1' };
}
