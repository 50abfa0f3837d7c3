/**
 * BinaryConnect (Courbariaux et al. 2015): weights are binarized to ±H during forward and backward
 * propagation; the real-valued weights are kept and updated with the gradient of the binary ones
 * (straight-through identity), then clipped to [−H, H].
 *   deterministic: w_b = H·sign(w)
 *   stochastic:    w_b = +H with probability p = hard_sigmoid(w / H) = clip((w/H + 1) / 2, 0, 1), else −H
 * (the inference model binarizes deterministically). H is a fixed per-layer constant: the authors' code
 * uses the Glorot scale √(1.5 / (fan_in + fan_out)); H = 1 gives the paper's ±1.
 */
import { SlimnetError } from '../../../ir/errors.js';
import { k, op, typed, type OpsContext } from './graph-ops.js';
import { channelCount, filled, signPlus } from './reference.js';
import type { QuantizedWeight, WeightLayout, WeightQuantizer } from './types.js';

export interface BinaryConnectOptions {
  /** Stochastic binarization during training (default false: deterministic sign). */
  readonly stochastic?: boolean;
  /** Magnitude H of the binary weights: 'glorot' (default, per layer) or a fixed positive number. */
  readonly scale?: 'glorot' | number;
  /** Seed of the stochastic binarization's random generator (default 0). */
  readonly seed?: number;
}

/** The Glorot scale √(1.5 / (fan_in + fan_out)) of a weight (receptive field counted in both fans). */
export function glorotScale(l: Pick<WeightLayout, 'dims' | 'channelAxis'>): number {
  const m = channelCount(l);
  const size = l.dims.reduce((a, d) => a * d, 1);
  const receptive = l.dims.length > 2 ? l.dims.slice(2).reduce((a, d) => a * d, 1) : 1;
  return Math.sqrt(1.5 / (size / m + m * receptive));
}

export function binaryConnect(opts: BinaryConnectOptions = {}): WeightQuantizer {
  const h = (l: WeightLayout): number => {
    const s = opts.scale ?? 'glorot';
    if (s === 'glorot') return glorotScale(l);
    if (!(s > 0)) throw new SlimnetError('INVALID_ARGUMENT', `BinaryConnect scale must be 'glorot' or a positive number, got ${s}`);
    return s;
  };
  let counter = 0;
  return {
    bits: 1,
    transform: (layout, c: OpsContext) => {
      const H = h(layout);
      const seed = (opts.seed ?? 0) * 1009 + counter++;
      return {
        forward: (b, w, ctx) => {
          if (opts.stochastic !== true || !ctx.training) return typed(op(b, c, 'Where', [op(b, c, 'GreaterOrEqual', [w, k(b, c, 0)], 'nonneg'), k(b, c, H), k(b, c, -H)], 'binary'), w);
          const p = op(b, c, 'HardSigmoid', [w], 'p_plus', { alpha: 1 / (2 * H), beta: 0.5 });
          const u = op(b, c, 'RandomUniformLike', [w], 'uniform', { seed });
          return typed(op(b, c, 'Where', [op(b, c, 'Less', [u, p], 'draw'), k(b, c, H), k(b, c, -H)], 'binary'), w);
        },
        backward: 'identity',
        clamp: { min: -H, max: H },
      };
    },
    quantize: (w, layout): QuantizedWeight => ({
      codes: Float32Array.from(w, signPlus),
      scale: filled(layout, h(layout)),
      bits: 1,
      extraFloats: 1,
    }),
  };
}
