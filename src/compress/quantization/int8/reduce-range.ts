/**
 * Weight range of int8 quantization: full range (8 bits, |q| ≤ 127) or reduced range (7 bits, |q| ≤ 63,
 * onnxruntime's `reduce_range`). x86 CPUs without VNNI compute u8×s8 products with pairwise sums saturated to
 * int16, which full-range weights can overflow; 7-bit weights cannot (runtime/int8-arithmetic.ts).
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { KernelArithmetic } from '../../../runtime/int8-arithmetic.js';
import { int8Kernels, type Int8KernelInfo } from '../../../runtime/int8-kernels.js';
import type { WeightBits } from './weights.js';

/** 'on': 7-bit weights; 'off': 8-bit weights; 'auto': 7-bit where this machine's u8×s8 kernels saturate. */
export type ReduceRange = 'auto' | 'on' | 'off';

export const REDUCE_RANGE_CHOICES: readonly ReduceRange[] = ['on', 'auto', 'off'];

/**
 * The default: 7-bit weights everywhere. Measured (bench/results/quant.md, issue 13): on a VNNI CPU they cost
 * nothing measurable (ResNet-20 / Fashion-MNIST 7.13 → 7.05 % vs 7.13 % with 8 bits; LeNet-5 +0.01 vs +0.02 pp;
 * VGG +0.00 vs +0.01 pp), while 8-bit weights lose 0.26 pp wherever the model later runs on an x86 CPU without
 * VNNI — and the CPU that runs a model is often not the one that quantized it.
 */
export const REDUCE_RANGE_DEFAULT: ReduceRange = 'on';

/** The weight range used, and why (recorded in the int8 report). */
export interface WeightRangeChoice {
  readonly reduceRange: ReduceRange;
  readonly bits: WeightBits;
  /** This machine's u8 × full-range int8 kernel arithmetic, and how it was found. */
  readonly kernels: KernelArithmetic;
  readonly kernelSource: Int8KernelInfo['source'];
  /** One line: the choice and its reason. */
  readonly reason: string;
  /** Set when the choice loses accuracy on this machine (8-bit weights on saturating kernels). */
  readonly warning?: string;
}

/** Chooses 7 or 8 weight bits for `mode`, from this machine's kernels (`kernels`: injectable for tests). */
export async function chooseWeightRange(
  mode: ReduceRange, kernels: () => Promise<Int8KernelInfo> = int8Kernels,
): Promise<WeightRangeChoice> {
  if (!REDUCE_RANGE_CHOICES.includes(mode)) {
    const choices = REDUCE_RANGE_CHOICES.join(', ');
    throw new SlimnetError('INVALID_ARGUMENT', `reduceRange must be one of ${choices}, got '${String(mode)}'`);
  }
  const k = await kernels();
  const saturating = k.arithmetic === 'pairwise-saturating';
  const bits: WeightBits = mode === 'on' || (mode === 'auto' && saturating) ? 7 : 8;
  const why = mode === 'auto' ? 'auto' : `reduce-range ${mode}`;
  const range = bits === 7 ? '7-bit weights (|q| <= 63, exact on every CPU)' : '8-bit weights (|q| <= 127)';
  const portability = bits === 8 && !saturating ? '; x86 CPUs without VNNI will saturate this model\'s products' : '';
  const reason = `${range}, ${why}: ${k.description}${portability}`;
  const base = { reduceRange: mode, bits, kernels: k.arithmetic, kernelSource: k.source, reason };
  if (bits === 8 && saturating) {
    const warning = 'this machine saturates full-range u8×s8 products: expect an accuracy loss '
      + '(reduce-range on or auto avoids it)';
    return { ...base, warning };
  }
  return base;
}
