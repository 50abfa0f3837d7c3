/**
 * Half-wave Gaussian quantization (HWGQ, Cai et al. 2017) of activations: the ReLU of a BatchNorm'd,
 * roughly unit-Gaussian pre-activation is quantized to 2^k uniform levels {0, Δ, …, (2^k − 1)Δ},
 *   a = Δ·clip(round(x / Δ), 0, 2^k − 1)   (x ≤ 0 → 0, as the ReLU it replaces),
 * with Δ the step minimising E[(Q(x) − x)²] over the positive half of N(0, 1) (computed here
 * numerically; 0.651 at 2 bits). Backward: the paper's clipped-ReLU approximation 1[0 < x ≤ q_max],
 * q_max = (2^k − 1)Δ the largest level.
 */
import { SlimnetError } from '../../../ir/errors.js';
import { k, op, rangeGrad, typed } from './graph-ops.js';
import type { ActivationQuantizer } from './types.js';

function levelsOf(bits: number): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) throw new SlimnetError('INVALID_ARGUMENT', `HWGQ bits must be an integer in [1, 8], got ${bits}`);
  return 2 ** bits - 1;
}

/** ∫₀^∞ (Q_Δ(x) − x)² φ(x) dx by Simpson's rule on [0, 10]. */
export function halfGaussianMse(step: number, bits: number): number {
  const n = levelsOf(bits);
  const intervals = 8000;
  const h = 10 / intervals;
  let s = 0;
  for (let i = 0; i <= intervals; i++) {
    const x = i * h;
    const q = step * Math.min(Math.round(x / step), n);
    const f = (q - x) ** 2 * Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    s += f * (i === 0 || i === intervals ? 1 : i % 2 === 1 ? 4 : 2);
  }
  return (s * h) / 3;
}

const steps = new Map<number, number>();

/** The MSE-optimal uniform step Δ for `bits` (grid scan, then golden-section refinement). */
export function hwgqStep(bits: number): number {
  const cached = steps.get(bits);
  if (cached !== undefined) return cached;
  let best = 0.05;
  for (let d = 0.05; d <= 3; d += 0.05) if (halfGaussianMse(d, bits) < halfGaussianMse(best, bits)) best = d;
  let [lo, hi] = [Math.max(0.01, best - 0.05), best + 0.05];
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 40; i++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (halfGaussianMse(a, bits) < halfGaussianMse(b, bits)) hi = b;
    else lo = a;
  }
  const step = (lo + hi) / 2;
  steps.set(bits, step);
  return step;
}

export function hwgqActivations(bits: number): ActivationQuantizer {
  const n = levelsOf(bits);
  const step = Math.fround(hwgqStep(bits));
  return {
    bits,
    batchNorm: 'auto',
    transform: (c) => ({
      forward: (b, x) => {
        const grid = op(b, c, 'Clip', [op(b, c, 'Round', [op(b, c, 'Div', [x, k(b, c, step)], 'to_grid')], 'round'), k(b, c, 0), k(b, c, n)], 'clip');
        return typed(op(b, c, 'Mul', [grid, k(b, c, step)], 'levels'), x);
      },
      backward: rangeGrad(c, 0, n * step, true),
    }),
  };
}
