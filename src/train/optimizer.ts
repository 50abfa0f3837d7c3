/**
 * Optimizer updates emitted as graph nodes (weights and state in, updated ones out), following PyTorch's
 * formulas so results can be compared with it:
 *
 *   SGD      g ← g + wd·w;  v ← μ·v + g;  d ← nesterov ? g + μ·v : v;  w ← w − lr·d   (no state when μ = 0)
 *   Adam     g ← g + wd·w;  m ← β1·m + (1−β1)·g;  s ← β2·s + (1−β2)·g²;
 *            w ← w − lr·c1 · m / (√s · c2 + ε),  c1 = 1/(1−β1^t), c2 = 1/√(1−β2^t)
 *   AdamW    as Adam without the wd·w term, and w ← w·(1 − lr·wd) first (decoupled decay).
 *
 * lr, c1 and c2 are scalar graph inputs, so schedules and bias correction need no rebuild.
 */
import type { GraphBuilder } from '../ir/builder.js';
import { SlimnetError } from '../ir/errors.js';
import type { Value } from '../ir/value.js';

/** The update rule: SGD (momentum, Nesterov, L2 weight decay) or Adam / AdamW (betas, epsilon, weight decay). */
export type OptimizerSpec =
  | {
      readonly kind: 'sgd';
      /** Momentum μ (default 0.9). */
      readonly momentum?: number;
      /** Nesterov momentum (default false). */
      readonly nesterov?: boolean;
      /** L2 weight decay added to the gradient (default 0). */
      readonly weightDecay?: number;
    }
  | {
      readonly kind: 'adam' | 'adamw';
      /** β1 (default 0.9). */
      readonly beta1?: number;
      /** β2 (default 0.999). */
      readonly beta2?: number;
      /** ε (default 1e-8). */
      readonly eps?: number;
      /** Adam: L2 added to the gradient; AdamW: decoupled decay (default 0 for adam, 0.01 for adamw). */
      readonly weightDecay?: number;
    };

/** Preferred names of the scalar inputs the optimizer reads each step (made unique in the graph). */
export const SCALAR_INPUTS = { lr: 'lr', adamC1: 'adam_c1', adamC2: 'adam_c2' } as const;

/** State slots kept per parameter. */
export function stateSlots(o: OptimizerSpec): readonly string[] {
  if (o.kind === 'sgd') return (o.momentum ?? 0.9) === 0 ? [] : ['momentum'];
  return ['exp_avg', 'exp_avg_sq'];
}

/**
 * Throws INVALID_ARGUMENT when an optimizer's settings are out of range (momentum and betas in [0, 1), weight decay >=
 * 0...).
 */
export function validateOptimizer(o: OptimizerSpec): void {
  const bad = (msg: string): never => {
    throw new SlimnetError('INVALID_ARGUMENT', `optimizer '${o.kind}': ${msg}`);
  };
  if ((o.weightDecay ?? 0) < 0) bad(`weightDecay must be >= 0, got ${o.weightDecay}`);
  if (o.kind === 'sgd') {
    const mu = o.momentum ?? 0.9;
    if (!(mu >= 0 && mu < 1)) bad(`momentum must be in [0, 1), got ${mu}`);
    if (o.nesterov === true && mu === 0) bad('nesterov needs momentum > 0');
  } else {
    for (const [k, v] of [['beta1', o.beta1 ?? 0.9], ['beta2', o.beta2 ?? 0.999]] as const) if (!(v >= 0 && v < 1)) bad(`${k} must be in [0, 1), got ${v}`);
  }
}

/** Scalar graph inputs shared by all parameter updates. */
export interface OptimizerScalars {
  readonly lr: Value;
  /** Adam only: the bias-correction inputs and lr · c1 (computed once in the graph). */
  readonly c1?: Value;
  readonly lrC1?: Value;
  readonly c2?: Value;
}

export function addOptimizerScalars(b: GraphBuilder, o: OptimizerSpec): OptimizerScalars {
  const scalar = (name: string): Value => b.input(b.graph.uniqueName(name), 'float32', []);
  const lr = scalar(SCALAR_INPUTS.lr);
  if (o.kind === 'sgd') return { lr };
  const c1 = scalar(SCALAR_INPUTS.adamC1);
  const c2 = scalar(SCALAR_INPUTS.adamC2);
  return { lr, c1, lrC1: b.op('Mul', [lr, c1], {}, { name: 'opt/lr_c1' }), c2 };
}

/** Bias-correction inputs for Adam at 1-based step t. */
export function adamScalars(o: OptimizerSpec, t: number): { c1: number; c2: number } {
  if (o.kind === 'sgd') return { c1: 1, c2: 1 };
  return { c1: 1 / (1 - (o.beta1 ?? 0.9) ** t), c2: 1 / Math.sqrt(1 - (o.beta2 ?? 0.999) ** t) };
}

/** Emits the update of one parameter; `state` holds the values of stateSlots(o). */
export function emitUpdate(b: GraphBuilder, o: OptimizerSpec, s: OptimizerScalars, w: Value, g: Value, state: readonly Value[]): { w: Value; state: Value[] } {
  const p = `opt/${w.name}`;
  const op = (type: string, inputs: Value[]): Value => b.op(type, inputs, {}, { name: `${p}/${type}` });
  const k = (x: number): Value => b.constant(x, [], `${p}/c`);
  const wd = o.weightDecay ?? (o.kind === 'adamw' ? 0.01 : 0);
  if (wd !== 0 && o.kind !== 'adamw') g = op('Add', [g, op('Mul', [w, k(wd)])]);
  if (o.kind === 'sgd') {
    const mu = o.momentum ?? 0.9;
    if (mu === 0) return { w: op('Sub', [w, op('Mul', [g, s.lr])]), state: [] };
    const v = op('Add', [op('Mul', [state[0] as Value, k(mu)]), g]);
    const d = o.nesterov === true ? op('Add', [g, op('Mul', [v, k(mu)])]) : v;
    return { w: op('Sub', [w, op('Mul', [d, s.lr])]), state: [v] };
  }
  const [b1, b2, eps] = [o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.eps ?? 1e-8];
  const m = op('Add', [op('Mul', [state[0] as Value, k(b1)]), op('Mul', [g, k(1 - b1)])]);
  const sq = op('Add', [op('Mul', [state[1] as Value, k(b2)]), op('Mul', [op('Mul', [g, g]), k(1 - b2)])]);
  const denom = op('Add', [op('Mul', [op('Sqrt', [sq]), s.c2 as Value]), k(eps)]);
  const step = op('Mul', [op('Div', [m, denom]), s.lrC1 as Value]);
  const base = o.kind === 'adamw' && wd !== 0 ? op('Mul', [w, op('Sub', [k(1), op('Mul', [s.lr, k(wd)])])]) : w;
  return { w: op('Sub', [base, step]), state: [m, sq] };
}
