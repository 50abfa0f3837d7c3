/**
 * Binary-weight networks (BWN, Rastegari et al. 2016, also XNOR-Net's and HWGQ's weights):
 *   w̃ = α_m · sign(w),  α_m = mean |w| over output channel m (the L2-optimal scale for sign codes).
 * Backward: autodiff of the product, with sign's straight-through hardtanh estimator 1[|w| ≤ 1], so the
 * gradient includes the scale's term: ∂w̃_i/∂w_i = α·1[|w_i| ≤ 1] + sign(w_i)²/n (the paper's formula).
 */
import { hardtanhGrad, op, otherAxes, reduce, signPlus, typed } from './graph-ops.js';
import { perChannelMean, signPlus as sign } from './reference.js';
import type { WeightQuantizer } from './types.js';

export function binaryWeights(): WeightQuantizer {
  return {
    bits: 1,
    transform: (layout, c) => ({
      forward: (b, w, ctx) => {
        const s = signPlus(b, c, w);
        ctx.straightThrough(w, s, hardtanhGrad(c));
        const alpha = reduce(b, c, 'ReduceMean', op(b, c, 'Abs', [w], 'abs'), otherAxes(layout.dims.length, layout.channelAxis), true, 'alpha');
        return typed(op(b, c, 'Mul', [s, alpha], 'scaled'), w);
      },
    }),
    quantize: (w, layout) => ({
      codes: Float32Array.from(w, sign),
      scale: perChannelMean(w, layout, Math.abs),
      bits: 1,
      extraFloats: layout.dims[layout.channelAxis] ?? 1,
    }),
  };
}
