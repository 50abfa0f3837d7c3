/**
 * Binary activations (BNN, XNOR-Net): a = Sign(x), with the hardtanh straight-through estimator
 * ∂a/∂x = 1[|x| ≤ 1]. The ONNX `Sign` node itself is kept, directly feeding the binary layer (the
 * deployment form an XNOR-popcount kernel looks for); a BatchNormalization always precedes it.
 * Note ONNX Sign(0) = 0: an exact zero input stays 0 (a 1-bit kernel must map it to one side).
 */
import { hardtanhGrad, op, typed } from './graph-ops.js';
import type { ActivationQuantizer } from './types.js';

export function signActivation(): ActivationQuantizer {
  return {
    bits: 1,
    batchNorm: 'always',
    transform: (c) => ({
      forward: (b, x) => typed(op(b, c, 'Sign', [x], 'sign'), x),
      backward: hardtanhGrad(c),
    }),
  };
}
