/** Gradient rules of reductions: the output gradient is broadcast back over the reduced axes. */
import type { Value } from '../../ir/value.js';
import type { GradContext, GradientRule, GradientTable } from '../rule.js';
import { rankOf, reduceAxes, staticDims, typeCode, unsqueeze } from './helpers.js';

/** d (shaped like the reduction's output) broadcast back to x's shape, after restoring dropped axes. */
function broadcastBack(c: GradContext, d: Value, axes: readonly number[]): Value {
  const x = c.node.input(0);
  const kept = c.node.attrInt('keepdims', 1) === 1 ? d : unsqueeze(c, d, axes);
  const dims = staticDims(x);
  return c.op('Expand', [kept, dims === undefined ? c.shapeOf(x) : c.ints(dims)]);
}

/** A ReduceX rule whose gradient is `scale(count) · d` broadcast back; axes move to an input at `inputFrom`. */
function reduceRule(inputFrom: number, mean: boolean): GradientRule {
  return (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    const x = c.node.input(0);
    const axes = reduceAxes(c, inputFrom, rankOf(c, x));
    if (axes.length === 0) return [d];
    if (!mean) return [broadcastBack(c, d, axes)];
    return [broadcastBack(c, c.op('Div', [d, count(c, x, axes)]), axes)];
  };
}

/** Number of elements reduced into each output element (static when known, else Size(x) / Size(y)). */
function count(c: GradContext, x: Value, axes: readonly number[]): Value {
  const shape = x.shape;
  if (shape !== undefined && axes.every((a) => typeof shape[a] === 'number')) {
    return c.scalar(axes.reduce((p, a) => p * (shape[a] as number), 1));
  }
  const ratio = c.op('Div', [c.op('Size', [x]), c.op('Size', [c.node.output(0)])]);
  return c.op('Cast', [ratio], { to: typeCode(x) });
}

/**
 * ReduceMax / ReduceMin: the gradient goes to the elements equal to the extremum, split evenly among ties
 * (a valid subgradient, as the MaxPool tie-split rule).
 */
function extremumRule(): GradientRule {
  return (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    const x = c.node.input(0);
    const axes = reduceAxes(c, 18, rankOf(c, x));
    if (axes.length === 0) return [d];
    const hit = c.op('Cast', [c.op('Equal', [x, broadcastBack(c, c.node.output(0), axes)])], { to: typeCode(x) });
    const ties = c.op('ReduceSum', c.opset >= 13 ? [hit, c.ints(axes)] : [hit], c.opset >= 13 ? { keepdims: 1 } : { axes: [...axes], keepdims: 1 });
    const share = c.op('Div', [hit, ties]);
    return [c.op('Mul', [share, broadcastBack(c, d, axes)])];
  };
}

export const reduceRules: GradientTable = {
  // y = max_axes x:  dx = d · 1[x = y] / #ties
  ReduceMax: extremumRule(),
  // y = min_axes x:  dx = d · 1[x = y] / #ties
  ReduceMin: extremumRule(),
  // y = Σ_axes x:  dx = d broadcast over the reduced axes
  ReduceSum: reduceRule(13, false),
  // y = mean_axes x:  dx = d / count broadcast over the reduced axes
  ReduceMean: reduceRule(18, true),
  // y = Σ_axes x²:  dx = 2x · d broadcast
  ReduceSumSquare: (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    const x = c.node.input(0);
    const axes = reduceAxes(c, 18, rankOf(c, x));
    const back = axes.length === 0 ? d : broadcastBack(c, d, axes);
    return [c.op('Mul', [back, c.op('Mul', [x, c.scalar(2)])])];
  },
};
