/**
 * Binarized neural networks (BNN, Hubara / Courbariaux et al. 2016) — weights: w_b = sign(w) with no
 * scale; the gradient of sign is the hardtanh straight-through estimator 1[|w| ≤ 1] and the real weights
 * are clipped to [−1, 1] after each update. (BNN's activations are `signActivation`.)
 */
import { hardtanhGrad, signPlus, typed } from './graph-ops.js';
import { signPlus as sign } from './reference.js';
import type { WeightQuantizer } from './types.js';

export function bnnWeights(): WeightQuantizer {
  return {
    bits: 1,
    transform: (_layout, c) => ({
      forward: (b, w) => typed(signPlus(b, c, w), w),
      backward: hardtanhGrad(c),
      clamp: { min: -1, max: 1 },
    }),
    quantize: (w) => ({ codes: Float32Array.from(w, sign), bits: 1, extraFloats: 0 }),
  };
}
