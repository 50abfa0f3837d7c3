/** Gradient rules of activations and (log-)softmax. Masks come from outputs where that is exact. */
import { UnsupportedOpError } from '../../ir/errors.js';
import type { Value } from '../../ir/value.js';
import type { GradContext, GradientRule, GradientTable } from '../rule.js';
import { normAxis, rankOf } from './helpers.js';

/** Unary op: the input gradient as a function of the output gradient. */
function unary(f: (c: GradContext, d: Value) => Value): GradientRule {
  return (c) => {
    const d = c.dOut();
    return d === undefined ? [] : [f(c, d)];
  };
}

/** d where `cond`, else 0. */
function maskGrad(c: GradContext, cond: Value, d: Value): Value {
  return c.op('Where', [cond, d, c.scalar(0)]);
}

/** Clip bounds as values: inputs from opset 11, `min` / `max` attributes before. */
function clipBounds(c: GradContext): [Value | undefined, Value | undefined] {
  if (c.opset >= 11) return [c.node.inputs[1], c.node.inputs[2]];
  const lo = c.node.attrFloat('min');
  const hi = c.node.attrFloat('max');
  return [lo === undefined ? undefined : c.scalar(lo), hi === undefined ? undefined : c.scalar(hi)];
}

/**
 * The reduction axes of (Log)Softmax: `axis` alone from opset 13; before, the input is coerced to 2-D at
 * `axis` (default 1), so the normalisation runs over every axis from `axis` on.
 */
function softmaxAxes(c: GradContext): number[] {
  const rank = rankOf(c, c.node.input(0));
  if (c.opset >= 13) return [normAxis(c.node.attrInt('axis', -1), rank)];
  const axis = normAxis(c.node.attrInt('axis', 1), rank);
  if (axis < 0 || axis >= rank) throw new UnsupportedOpError(c.node.opType, c.node.name, `a gradient with axis ${axis} at rank ${rank}`);
  return Array.from({ length: rank - axis }, (_, i) => axis + i);
}

export const activationRules: GradientTable = {
  // ReLU: the mask comes from the output so onnxruntime can still fuse Conv+Relu / Gemm+Relu.
  Relu: unary((c, d) => maskGrad(c, c.op('Greater', [c.node.output(0), c.scalar(0)]), d)),
  // y = x (x ≥ 0), αx (x < 0)
  LeakyRelu: unary((c, d) => {
    const alpha = c.node.attrFloat('alpha', 0.01);
    return c.op('Where', [c.op('Less', [c.node.input(0), c.scalar(0)]), c.op('Mul', [d, c.scalar(alpha)]), d]);
  }),
  // y = x (x ≥ 0), slope·x (x < 0), slope broadcast to x:  dx = d or d·slope;  dslope = Σ d·x over x < 0
  PRelu: (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    const [x, slope] = [c.node.input(0), c.node.input(1)];
    const neg = c.op('Less', [x, c.scalar(0)]);
    return [
      c.needs(0) ? c.op('Where', [neg, c.op('Mul', [d, slope]), d]) : undefined,
      c.needs(1) ? c.unbroadcast(maskGrad(c, neg, c.op('Mul', [d, x])), slope, x.shape) : undefined,
    ];
  },
  // y = x (x > 0), α(eˣ - 1) (x ≤ 0):  dx = d, or d · (y + α)
  Elu: unary((c, d) => {
    const [x, y] = [c.node.input(0), c.node.output(0)];
    const alpha = c.scalar(c.node.attrFloat('alpha', 1));
    return c.op('Where', [c.op('Greater', [x, c.scalar(0)]), d, c.op('Mul', [d, c.op('Add', [y, alpha])])]);
  }),
  // y = σ(x):  dx = d · y · (1 - y)
  Sigmoid: unary((c, d) => {
    const y = c.node.output(0);
    return c.op('Mul', [d, c.op('Mul', [y, c.op('Sub', [c.scalar(1), y])])]);
  }),
  // y = tanh x:  dx = d · (1 - y²)
  Tanh: unary((c, d) => {
    const y = c.node.output(0);
    return c.op('Mul', [d, c.op('Sub', [c.scalar(1), c.op('Mul', [y, y])])]);
  }),
  // y = ln(1 + eˣ):  dx = d · σ(x)
  Softplus: unary((c, d) => c.op('Mul', [d, c.op('Sigmoid', [c.node.input(0)])])),
  // y = clip(x, lo, hi):  dx = d inside [lo, hi] (bounds inclusive, as PyTorch), else 0. Bounds get no gradient.
  Clip: (c) => {
    const d = c.dOut();
    if (d === undefined || !c.needs(0)) return [];
    const x = c.node.input(0);
    const [lo, hi] = clipBounds(c);
    const conds: Value[] = [];
    if (lo !== undefined) conds.push(c.op('Not', [c.op('Less', [x, lo])]));
    if (hi !== undefined) conds.push(c.op('Not', [c.op('Greater', [x, hi])]));
    if (conds.length === 0) return [d];
    const inside = conds.length === 1 ? (conds[0] as Value) : c.op('And', [conds[0], conds[1]]);
    return [maskGrad(c, inside, d)];
  },
  // y = max(0, min(1, αx + β)):  dx = d · α where 0 < y < 1
  HardSigmoid: unary((c, d) => {
    const y = c.node.output(0);
    const inside = c.op('And', [c.op('Greater', [y, c.scalar(0)]), c.op('Less', [y, c.scalar(1)])]);
    return maskGrad(c, inside, c.op('Mul', [d, c.scalar(c.node.attrFloat('alpha', 0.2))]));
  }),
  // y = x · relu6(x + 3) / 6:  dx = 0 (x < -3), d (x > 3), d · (2x + 3) / 6 between
  HardSwish: unary((c, d) => {
    const x = c.node.input(0);
    const mid = c.op('Mul', [d, c.op('Add', [c.op('Mul', [x, c.scalar(1 / 3)]), c.scalar(0.5)])]);
    const upper = c.op('Where', [c.op('Greater', [x, c.scalar(3)]), d, mid]);
    return c.op('Where', [c.op('Less', [x, c.scalar(-3)]), c.scalar(0), upper]);
  }),
  // y = softmax(x):  dx = y · (d - Σ d·y)
  Softmax: unary((c, d) => {
    const y = c.node.output(0);
    const dot = c.reduceSum(c.op('Mul', [d, y]), softmaxAxes(c), true);
    return c.op('Mul', [y, c.op('Sub', [d, dot])]);
  }),
  // y = x - logsumexp(x):  dx = d - eʸ · Σ d
  LogSoftmax: unary((c, d) => {
    const y = c.node.output(0);
    const total = c.reduceSum(d, softmaxAxes(c), true);
    return c.op('Sub', [d, c.op('Mul', [c.op('Exp', [y]), total])]);
  }),
};
