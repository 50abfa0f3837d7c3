/**
 * Ternary weight networks (TWN, Li & Liu 2016): per layer, threshold Δ = 0.7·E|w|, codes
 * t = sign(w)·1[|w| > Δ] ∈ {−1, 0, +1} and scale α = mean of |w| over |w| > Δ (the approximate L2 optimum);
 * w̃ = α·t. Backward: the straight-through identity (the gradient of w̃ updates w).
 */
import { allAxes, k, op, reduce, signPlus, typed } from './graph-ops.js';
import { filled, meanAbs, signPlus as sign } from './reference.js';
import type { WeightQuantizer } from './types.js';

/** The TWN threshold factor: Δ = 0.7·E|w|. */
export const TWN_THRESHOLD = 0.7;

/** Ternary codes and scale of w (float64 arithmetic). */
export function ternarize(w: Float32Array, factor = TWN_THRESHOLD): { codes: Float32Array; alpha: number } {
  const delta = Math.fround(factor * meanAbs(w));
  const codes = new Float32Array(w.length);
  let sum = 0;
  let n = 0;
  w.forEach((v, i) => {
    if (Math.abs(v) > delta) {
      codes[i] = sign(v);
      sum += Math.abs(v);
      n++;
    }
  });
  return { codes, alpha: n === 0 ? 0 : sum / n };
}

export function ternaryWeights(): WeightQuantizer {
  return {
    bits: 2,
    transform: (layout, c) => ({
      forward: (b, w) => {
        const axes = allAxes(layout.dims.length);
        const a = op(b, c, 'Abs', [w], 'abs');
        const delta = op(b, c, 'Mul', [reduce(b, c, 'ReduceMean', a, axes, true, 'mean_abs'), k(b, c, TWN_THRESHOLD)], 'delta');
        const mask = op(b, c, 'Cast', [op(b, c, 'Greater', [a, delta], 'above')], 'mask', { to: 1 });
        const t = op(b, c, 'Mul', [signPlus(b, c, w), mask], 'codes');
        const count = op(b, c, 'Max', [reduce(b, c, 'ReduceSum', mask, axes, true, 'count'), k(b, c, 1)], 'count_min1');
        const alpha = op(b, c, 'Div', [reduce(b, c, 'ReduceSum', op(b, c, 'Mul', [a, mask], 'kept'), axes, true, 'sum'), count], 'alpha');
        return typed(op(b, c, 'Mul', [t, alpha], 'scaled'), w);
      },
      backward: 'identity',
    }),
    quantize: (w, layout) => {
      const { codes, alpha } = ternarize(w);
      return { codes, scale: filled(layout, alpha), bits: 2, extraFloats: 1 };
    },
  };
}
