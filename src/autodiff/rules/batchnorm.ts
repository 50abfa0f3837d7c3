/**
 * Gradients of BatchNormalization and Dropout.
 *
 * BatchNormalization, per channel, with xc = x − μ, σ⁻¹ = 1/√(v + ε), γ' = γ·σ⁻¹, M = elements per channel:
 *  - inference mode (μ, v are inputs): dX = γ'·dY; dγ = σ⁻¹·Σ dY·xc; dβ = Σ dY;
 *    dμ = −γ'·Σ dY; dv = −½·γ'·σ⁻²·Σ dY·xc.
 *  - training mode (μ, v are the batch statistics of x, as `toTrainingForward` emits them):
 *    dX = γ'·(dY − Σ dY / M − xc·σ⁻²·Σ dY·xc / M), the closed form of differentiating through μ and v.
 *    The batch statistics are read from the node's outputs 1 and 2 when momentum is 0 (they then equal
 *    the batch mean and biased variance), else recomputed with ReduceMean.
 * Dropout (opset 12+): with training_mode true, dX = dY·mask/(1 − ratio); otherwise the identity.
 */
import { Value } from '../../ir/value.js';
import type { GradContext, GradientRule, GradientTable } from '../rule.js';
import { constNumbers, rankOf, typeCode } from './helpers.js';
import { ones, range } from './window.js';

/** ReduceMean over `axes` (opset-correct form). */
function reduceMean(c: GradContext, x: Value, axes: readonly number[], keepdims: boolean): Value {
  const kd = keepdims ? 1 : 0;
  if (c.opset >= 18) return c.op('ReduceMean', [x, c.ints(axes)], { keepdims: kd });
  return c.op('ReduceMean', [x], { axes: [...axes], keepdims: kd });
}

/** Elements per channel: a constant when the non-channel dims are static, else Size(x) / Size(per-channel value). */
function perChannelCount(c: GradContext, x: Value, perChannel: Value): Value {
  const s = x.shape;
  if (s !== undefined && s.every((d, i) => i === 1 || typeof d === 'number')) {
    return c.scalar(s.reduce<number>((a, d, i) => (i === 1 ? a : a * (d as number)), 1));
  }
  const to = typeCode(x);
  return c.op('Div', [c.op('Cast', [c.op('Size', [x])], { to }), c.op('Cast', [c.op('Size', [perChannel])], { to })]);
}

/** x's gradient from gradients reaching the batch-mean / batch-variance outputs: (1 − mom)·(d₁ + 2·xc·d₂)/M. */
function statGrad(c: GradContext, x: Value, xc: Value, m: Value, d: ReadonlyArray<Value | undefined>, col: (v: Value) => Value): Value {
  const keep = c.scalar(1 - c.node.attrFloat('momentum', 0.9));
  const perM = c.op('Div', [keep, m]);
  const [d1, d2] = d;
  const fromVar = d2 === undefined ? undefined : c.op('Mul', [xc, col(c.op('Mul', [d2, c.op('Mul', [perM, c.scalar(2)])]))]);
  const fromMean = d1 === undefined ? undefined : col(c.op('Mul', [d1, perM]));
  if (fromVar === undefined) return c.op('Expand', [fromMean as Value, c.shapeOf(x)]);
  return fromMean === undefined ? fromVar : c.op('Add', [fromVar, fromMean]);
}

/** μ and v the node normalised with: its inputs (inference), or the batch statistics (training). */
function statsOf(c: GradContext, training: boolean, axes: readonly number[], col: (v: Value) => Value): [Value, Value] {
  const node = c.node;
  if (!training) return [node.input(3), node.input(4)];
  if (node.attrFloat('momentum', 0.9) === 0 && node.outputs.length >= 3) return [node.output(1), node.output(2)];
  const x = node.input(0);
  const mu = reduceMean(c, x, axes, false);
  const d = c.op('Sub', [x, col(mu)]);
  return [mu, reduceMean(c, c.op('Mul', [d, d]), axes, false)];
}

const batchNorm: GradientRule = (c) => {
  const node = c.node;
  const x = node.input(0);
  const gamma = node.input(1);
  const rank = rankOf(c, x);
  const axes = [0, ...range(2, rank)];
  const col = (v: Value): Value => c.reshape(v, [1, -1, ...ones(rank - 2)]);
  const training = c.opset >= 14 && node.attrInt('training_mode', 0) === 1;
  // Gradients reaching outputs 1 / 2 (training: running·mom + batch stat·(1 − mom)) flow into x too.
  const dStat = training ? [c.dOut(1), c.dOut(2)] : [undefined, undefined];
  const viaStats = c.needs(0) && (dStat[0] !== undefined || dStat[1] !== undefined);
  const dy = c.dOut();
  if (dy === undefined && !viaStats) return [];
  const [mu, v] = statsOf(c, training, axes, col);
  const xc = c.needs(1) || c.needs(4) || (training && c.needs(0)) ? c.op('Sub', [x, col(mu)]) : undefined;
  const m = training ? perChannelCount(c, x, gamma) : undefined;
  const fromStats = viaStats && xc !== undefined && m !== undefined ? statGrad(c, x, xc, m, dStat, col) : undefined;
  if (dy === undefined) return [fromStats];
  const invStd = c.op('Reciprocal', [c.op('Sqrt', [c.op('Add', [v, c.scalar(node.attrFloat('epsilon', 1e-5))])])]);
  const g = c.op('Mul', [gamma, invStd]);
  const sumDy = c.needs(2) || c.needs(3) || (training && c.needs(0)) ? c.reduceSum(dy, axes, false) : undefined;
  const sumDyXc = xc === undefined ? undefined : c.reduceSum(c.op('Mul', [dy, xc]), axes, false);
  let dx: Value | undefined;
  if (c.needs(0)) {
    dx = c.op('Mul', [dy, col(g)]);
    if (training && xc !== undefined && sumDy !== undefined && sumDyXc !== undefined && m !== undefined) {
      const negGm = c.op('Div', [c.op('Neg', [g]), m]);
      const k2 = c.op('Mul', [c.op('Mul', [negGm, c.op('Mul', [invStd, invStd])]), sumDyXc]);
      const k3 = c.op('Mul', [negGm, sumDy]);
      dx = c.op('Add', [c.op('Add', [dx, c.op('Mul', [xc, col(k2)])]), col(k3)]);
    }
    if (fromStats !== undefined) dx = c.op('Add', [dx, fromStats]);
  }
  const dMean = !training && c.needs(3) && sumDy !== undefined ? c.op('Neg', [c.op('Mul', [sumDy, g])]) : undefined;
  const dVar =
    !training && c.needs(4) && sumDyXc !== undefined
      ? c.op('Mul', [sumDyXc, c.op('Mul', [c.op('Mul', [g, c.op('Mul', [invStd, invStd])]), c.scalar(-0.5)])])
      : undefined;
  return [
    dx,
    c.needs(1) && sumDyXc !== undefined ? c.op('Mul', [sumDyXc, invStd]) : undefined,
    c.needs(2) ? sumDy : undefined,
    dMean,
    dVar,
  ];
};

/** The mask output of a Dropout node, added when the node has none. */
function maskOf(c: GradContext): Value {
  const node = c.node;
  const existing = node.outputs[1];
  if (existing !== undefined) return existing;
  const mask = new Value(c.b.graph.uniqueName(`${node.output(0).name}_mask`), 'bool', node.output(0).shape);
  node.addOutput(mask);
  return mask;
}

const dropout: GradientRule = (c) => {
  const dy = c.dOut();
  if (dy === undefined) return [];
  const node = c.node;
  const mode = node.inputs[2];
  const modeConst = constNumbers(mode);
  if (c.opset < 12 || mode === undefined || (modeConst !== undefined && modeConst[0] === 0)) return [dy];
  const x = node.input(0);
  const ratioIn = node.inputs[1];
  const ratio = ratioIn === undefined ? [0.5] : constNumbers(ratioIn);
  let scale: Value;
  if (ratio !== undefined) {
    const r = ratio[0] as number;
    scale = c.scalar(r >= 1 ? 0 : 1 / (1 - r));
  } else {
    const rt = c.op('Cast', [ratioIn as Value], { to: typeCode(x) });
    scale = c.op('Reciprocal', [c.op('Sub', [c.scalar(1), rt])]);
  }
  // A training flag computed at run time: scale 1 when it is false (the mask is then all true).
  if (modeConst === undefined) scale = c.op('Where', [mode, scale, c.scalar(1)]);
  return [c.op('Where', [maskOf(c), c.op('Mul', [dy, scale]), c.scalar(0)])];
};

export const batchNormRules: GradientTable = { BatchNormalization: batchNorm, Dropout: dropout };
