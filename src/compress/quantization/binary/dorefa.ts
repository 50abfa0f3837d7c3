/**
 * DoReFa-Net (Zhou et al. 2016): k-bit weights, activations and (optionally) gradients, with
 * quantize_k(x) = round((2^k − 1)·x) / (2^k − 1) on [0, 1] and a straight-through identity for round.
 *   weights, k = 1:  w̃ = E|w| · sign(w)            (per-layer scale; STE identity)
 *   weights, k > 1:  w̃ = 2·quantize_k(tanh(w) / (2·max|tanh(w)|) + ½) − 1   (autodiff through tanh / max)
 *   activations:     a = quantize_k(clip(x, 0, 1))   (gradient 1 inside [0, 1], 0 outside)
 *   gradients:       dr → 2·m·(quantize_k(dr / 2m + ½ + N) − ½), m = max|dr| per sample,
 *                    N ~ U(−½, ½) / (2^k − 1) (seeded RandomUniformLike), training graph only.
 */
import type { GraphBuilder } from '../../../ir/builder.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Value } from '../../../ir/value.js';
import type { ValueTransform } from '../../../train/transforms.js';
import { roundHalfEven } from '../fixed/fixed-point.js';
import { allAxes, k, op, otherAxes, rangeGrad, reduce, signPlus, typed, type OpsContext } from './graph-ops.js';
import { filled, meanAbs, signPlus as sign } from './reference.js';
import type { ActivationQuantizer, WeightQuantizer } from './types.js';

function checkBits(bits: number, what: string): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) throw new SlimnetError('INVALID_ARGUMENT', `DoReFa ${what} bits must be an integer in [1, 16], got ${bits}`);
  return 2 ** bits - 1;
}

/** DoReFa's k-bit weight levels of w (k > 1), in [−1, 1]. */
export function dorefaWeightLevels(w: Float32Array, bits: number): Float32Array {
  const n = checkBits(bits, 'weight');
  const t = Float32Array.from(w, Math.tanh);
  let m = 0;
  for (const v of t) m = Math.max(m, Math.abs(v));
  return t.map((v) => 2 * (roundHalfEven((v / (2 * m) + 0.5) * n) / n) - 1);
}

export function dorefaWeights(bits: number): WeightQuantizer {
  const n = checkBits(bits, 'weight');
  return {
    bits,
    transform: (layout, c) => {
      const axes = allAxes(layout.dims.length);
      if (bits === 1) {
        return {
          forward: (b, w) => typed(op(b, c, 'Mul', [signPlus(b, c, w), reduce(b, c, 'ReduceMean', op(b, c, 'Abs', [w], 'abs'), axes, true, 'mean_abs')], 'scaled'), w),
          backward: 'identity',
        };
      }
      return {
        forward: (b, w, ctx) => {
          const t = op(b, c, 'Tanh', [w], 'tanh');
          const m = reduce(b, c, 'ReduceMax', op(b, c, 'Abs', [t], 'abs'), axes, true, 'max');
          const x = op(b, c, 'Add', [op(b, c, 'Div', [t, op(b, c, 'Mul', [m, k(b, c, 2)], 'two_max')], 'unit'), k(b, c, 0.5)], 'shift');
          const q = quantizeUnit(b, c, x, n);
          ctx.straightThrough(x, q);
          return typed(op(b, c, 'Sub', [op(b, c, 'Mul', [q, k(b, c, 2)], 'double'), k(b, c, 1)], 'levels'), w);
        },
      };
    },
    quantize: (w, layout) =>
      bits === 1
        ? { codes: Float32Array.from(w, sign), scale: filled(layout, meanAbs(w)), bits: 1, extraFloats: 1 }
        : { codes: dorefaWeightLevels(w, bits), bits, extraFloats: 0 },
  };
}

/** round(x·n) / n. */
function quantizeUnit(b: GraphBuilder, c: OpsContext, x: Value, n: number): Value {
  return typed(op(b, c, 'Div', [op(b, c, 'Round', [op(b, c, 'Mul', [x, k(b, c, n)], 'to_grid')], 'round'), k(b, c, n)], 'quantized'), x);
}

export function dorefaActivations(bits: number): ActivationQuantizer {
  const n = checkBits(bits, 'activation');
  return {
    bits,
    batchNorm: 'auto',
    transform: (c) => ({
      forward: (b, x) => quantizeUnit(b, c, op(b, c, 'Clip', [x, k(b, c, 0), k(b, c, 1)], 'clip'), n),
      backward: rangeGrad(c, 0, 1),
    }),
  };
}

/** The gradient quantizer on a layer's output: identity forward (training graph only), quantized backward. */
export function dorefaGradients(bits: number, seed: number): (c: OpsContext) => ValueTransform {
  const n = checkBits(bits, 'gradient');
  return (c) => ({
    forward: (b, x, ctx) => (ctx.training ? typed(op(b, c, 'Identity', [x], 'grad_quant_point'), x) : x),
    backward: (b, d, x) => {
      const rank = x.shape?.length;
      if (rank === undefined) throw new SlimnetError('INVALID_ARGUMENT', `DoReFa gradient quantization at '${x.name}' needs its rank (run shape inference)`);
      const m = op(b, c, 'Max', [reduce(b, c, 'ReduceMax', op(b, c, 'Abs', [d], 'g_abs'), otherAxes(rank, 0), true, 'g_max'), k(b, c, 1e-30)], 'g_max_safe');
      const unit = op(b, c, 'Add', [op(b, c, 'Div', [d, op(b, c, 'Mul', [m, k(b, c, 2)], 'g_two_max')], 'g_unit'), k(b, c, 0.5)], 'g_shift');
      const u = op(b, c, 'RandomUniformLike', [d], 'g_uniform', { seed });
      const noise = op(b, c, 'Div', [op(b, c, 'Sub', [u, k(b, c, 0.5)], 'g_centered'), k(b, c, n)], 'g_noise');
      const grid = op(b, c, 'Clip', [op(b, c, 'Round', [op(b, c, 'Mul', [op(b, c, 'Add', [unit, noise], 'g_noisy'), k(b, c, n)], 'g_scaled')], 'g_round'), k(b, c, 0), k(b, c, n)], 'g_clip');
      const q = op(b, c, 'Div', [grid, k(b, c, n)], 'g_quantized');
      return typed(op(b, c, 'Mul', [op(b, c, 'Sub', [q, k(b, c, 0.5)], 'g_recenter'), op(b, c, 'Mul', [m, k(b, c, 2)], 'g_range')], 'g_out'), x);
    },
  });
}
