/**
 * Trained ternary quantization (TTQ, Zhu et al. 2017): per layer, threshold Δ = t·max|w| (t = 0.05) and
 * two trained scales W_p, W_n > 0:  w̃ = +W_p (w > Δ), 0 (|w| ≤ Δ), −W_n (w < −Δ).
 * Written as w̃ = c·s with codes c ∈ {−1, 0, 1} (a straight-through edge from w) and
 * s = W_p where c > 0, W_n where c < 0, 1 elsewhere, autodiff gives exactly the paper's gradients:
 *   ∂L/∂W_p = Σ_{w > Δ} ∂L/∂w̃,   ∂L/∂W_n = −Σ_{w < −Δ} ∂L/∂w̃,
 *   ∂L/∂w   = W_p·∂L/∂w̃ (w > Δ),  ∂L/∂w̃ (|w| ≤ Δ),  W_n·∂L/∂w̃ (w < −Δ).
 * W_p and W_n are trainable parameters owned by the transform (initializers '<weight>__ttq_wp' / '__ttq_wn'),
 * initialised to the mean |w| of the positive / negative codes.
 */
import { Tensor } from '../../../ir/tensor.js';
import { SlimnetError } from '../../../ir/errors.js';
import { allAxes, k, op, reduce, typed } from './graph-ops.js';
import { maxAbs } from './reference.js';
import type { WeightQuantizer } from './types.js';

/** TTQ's threshold factor: Δ = 0.05·max|w|. */
export const TTQ_THRESHOLD = 0.05;

/** Names of the learned scales of a weight. */
export function ttqScaleNames(weight: string): { positive: string; negative: string } {
  return { positive: `${weight}__ttq_wp`, negative: `${weight}__ttq_wn` };
}

/** Codes in {−1, 0, 1} and the initial scales (mean |w| of each side) of w. */
export function ttqCodes(w: Float32Array, factor = TTQ_THRESHOLD): { codes: Float32Array; wp: number; wn: number } {
  const delta = Math.fround(factor * maxAbs(w));
  const codes = new Float32Array(w.length);
  let [sumP, nP, sumN, nN] = [0, 0, 0, 0];
  w.forEach((v, i) => {
    if (v > delta) {
      codes[i] = 1;
      sumP += v;
      nP++;
    } else if (v < -delta) {
      codes[i] = -1;
      sumN -= v;
      nN++;
    }
  });
  return { codes, wp: nP === 0 ? delta : sumP / nP, wn: nN === 0 ? delta : sumN / nN };
}

export function trainedTernaryWeights(): WeightQuantizer {
  return {
    bits: 2,
    transform: (layout, c) => ({
      forward: (b, w, ctx) => {
        const names = ttqScaleNames(layout.name);
        const init = ttqCodes(layout.initial);
        const wp = ctx.param(names.positive, Tensor.f32([], [init.wp]));
        const wn = ctx.param(names.negative, Tensor.f32([], [init.wn]));
        const delta = op(b, c, 'Mul', [reduce(b, c, 'ReduceMax', op(b, c, 'Abs', [w], 'abs'), allAxes(layout.dims.length), true, 'max_abs'), k(b, c, TTQ_THRESHOLD)], 'delta');
        const pos = op(b, c, 'Greater', [w, delta], 'pos');
        const neg = op(b, c, 'Less', [w, op(b, c, 'Neg', [delta], 'neg_delta')], 'neg');
        const codes = typed(op(b, c, 'Where', [pos, k(b, c, 1), op(b, c, 'Where', [neg, k(b, c, -1), k(b, c, 0)], 'codes_neg')], 'codes'), w);
        ctx.straightThrough(w, codes);
        const scale = op(b, c, 'Where', [pos, wp, op(b, c, 'Where', [neg, wn, k(b, c, 1)], 'scale_neg')], 'scale');
        return typed(op(b, c, 'Mul', [codes, scale], 'ternary'), w);
      },
    }),
    quantize: (w, layout, lookup) => {
      const names = ttqScaleNames(layout.name);
      const wp = lookup(names.positive)?.[0];
      const wn = lookup(names.negative)?.[0];
      if (wp === undefined || wn === undefined) {
        throw new SlimnetError('INVALID_ARGUMENT', `TTQ weight '${layout.name}': the model has no learned scales '${names.positive}' / '${names.negative}'`);
      }
      const { codes } = ttqCodes(w);
      return { codes: codes.map((t) => (t > 0 ? wp : t < 0 ? -wn : 0)), bits: 2, extraFloats: 2 };
    },
  };
}
