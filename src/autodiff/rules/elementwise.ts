/** Gradient rules of elementwise arithmetic (numpy broadcasting handled by unbroadcast). */
import type { Value } from '../../ir/value.js';
import type { GradContext, GradientTable } from '../rule.js';
import { typeCode } from './helpers.js';

/** The gradient of input i: `f()` unbroadcast to input i's shape, when input i needs one. */
function grad(c: GradContext, i: number, f: () => Value): Value | undefined {
  return c.needs(i) ? c.unbroadcast(f(), c.node.input(i)) : undefined;
}

/** Unary op: d x = d y · f'(x) given as a function of the output gradient. */
function unary(f: (c: GradContext, d: Value) => Value): (c: GradContext) => ReadonlyArray<Value | undefined> {
  return (c) => {
    const d = c.dOut();
    return d === undefined ? [] : [f(c, d)];
  };
}

export const elementwiseRules: GradientTable = {
  Add: (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    return [grad(c, 0, () => d), grad(c, 1, () => d)];
  },
  Sub: (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    return [grad(c, 0, () => d), grad(c, 1, () => c.op('Neg', [d]))];
  },
  Mul: (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    const [a, b] = [c.node.input(0), c.node.input(1)];
    return [grad(c, 0, () => c.op('Mul', [d, b])), grad(c, 1, () => c.op('Mul', [d, a]))];
  },
  // y = a / b:  da = d / b,  db = -d · a / b² = -d · y / b
  Div: (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    const [b, y] = [c.node.input(1), c.node.output(0)];
    return [grad(c, 0, () => c.op('Div', [d, b])), grad(c, 1, () => c.op('Neg', [c.op('Mul', [d, c.op('Div', [y, b])])]))];
  },
  // y = a^b:  da = d · b · a^(b-1),  db = d · y · ln a
  Pow: (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    const [a, b, y] = [c.node.input(0), c.node.input(1), c.node.output(0)];
    const bf = b.dtype === a.dtype ? b : c.op('Cast', [b], { to: typeCode(a) });
    return [
      grad(c, 0, () => c.op('Mul', [d, c.op('Mul', [bf, c.op('Pow', [a, c.op('Sub', [bf, c.scalar(1)])])])])),
      grad(c, 1, () => c.op('Mul', [d, c.op('Mul', [y, c.op('Log', [a])])])),
    ];
  },
  Neg: unary((c, d) => c.op('Neg', [d])),
  Identity: unary((_c, d) => d),
  // Cast between float types: the gradient is cast back.
  Cast: unary((c, d) => c.op('Cast', [d], { to: typeCode(c.node.input(0)) })),
  // y = √x:  dx = d / (2y)
  Sqrt: unary((c, d) => c.op('Div', [d, c.op('Mul', [c.node.output(0), c.scalar(2)])])),
  // y = eˣ:  dx = d · y
  Exp: unary((c, d) => c.op('Mul', [d, c.node.output(0)])),
  // y = ln x:  dx = d / x
  Log: unary((c, d) => c.op('Div', [d, c.node.input(0)])),
  // y = |x|:  dx = d · sign(x)
  Abs: unary((c, d) => c.op('Mul', [d, c.op('Sign', [c.node.input(0)])])),
  // y = 1/x:  dx = -d · y²
  Reciprocal: unary((c, d) => {
    const y = c.node.output(0);
    return c.op('Neg', [c.op('Mul', [d, c.op('Mul', [y, y])])]);
  }),
  // y = erf(x):  dx = d · 2/√π · e^(-x²)
  Erf: unary((c, d) => {
    const x = c.node.input(0);
    const e = c.op('Exp', [c.op('Neg', [c.op('Mul', [x, x])])]);
    return c.op('Mul', [d, c.op('Mul', [e, c.scalar(2 / Math.sqrt(Math.PI))])]);
  }),
  // y = Σ xᵢ (broadcasting):  dxᵢ = d
  Sum: (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    return c.node.inputs.map((_, i) => grad(c, i, () => d));
  },
  // y = (Σ xᵢ) / n:  dxᵢ = d / n
  Mean: (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    const scaled = c.op('Mul', [d, c.scalar(1 / c.node.inputs.length)]);
    return c.node.inputs.map((_, i) => grad(c, i, () => scaled));
  },
  // y = cond ? a : b  (the condition is not differentiable)
  Where: (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    const cond = c.node.input(0);
    return [
      undefined,
      grad(c, 1, () => c.op('Where', [cond, d, c.scalar(0)])),
      grad(c, 2, () => c.op('Where', [cond, c.scalar(0), d])),
    ];
  },
};
