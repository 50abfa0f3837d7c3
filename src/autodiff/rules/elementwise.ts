/** Gradient rules of elementwise arithmetic and activations (numpy broadcasting handled by unbroadcast). */
import type { GradientTable } from '../rule.js';

export const elementwiseRules: GradientTable = {
  Add: (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    return [c.needs(0) ? c.unbroadcast(d, c.node.input(0)) : undefined, c.needs(1) ? c.unbroadcast(d, c.node.input(1)) : undefined];
  },
  Mul: (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    const [a, b] = [c.node.input(0), c.node.input(1)];
    return [
      c.needs(0) ? c.unbroadcast(c.op('Mul', [d, b]), a) : undefined,
      c.needs(1) ? c.unbroadcast(c.op('Mul', [d, a]), b) : undefined,
    ];
  },
  // ReLU: the mask comes from the output so onnxruntime can still fuse Conv+Relu / Gemm+Relu.
  Relu: (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    const y = c.node.output(0);
    return [c.op('Where', [c.op('Greater', [y, c.scalar(0)]), d, c.scalar(0)])];
  },
};
