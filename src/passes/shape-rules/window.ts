/**
 * Sliding-window geometry shared by Conv, ConvTranspose, pooling and MaxUnpool: reads kernel / strides /
 * dilations / pads / auto_pad and computes spatial output sizes.
 */
import type { Dim } from '../../ir/shape.js';
import type { RuleContext } from './types.js';

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';

export interface Window {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** [begin_0, ..., begin_n-1, end_0, ..., end_n-1] as in ONNX. */
  readonly pads: readonly number[];
  readonly autoPad: AutoPad;
  readonly ceilMode: boolean;
}

const AUTO_PADS: readonly string[] = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];

/** Reads the window attributes of a node with `n` spatial dims; `kernel` falls back to the weight's dims. */
export function readWindow(ctx: RuleContext, n: number, kernelFallback?: readonly Dim[]): Window | undefined {
  const node = ctx.node;
  let kernel = node.attrInts('kernel_shape')?.slice();
  if (kernel === undefined && kernelFallback !== undefined && kernelFallback.every((d) => typeof d === 'number')) {
    kernel = kernelFallback as number[];
  }
  if (kernel === undefined) return undefined;
  if (kernel.length !== n) ctx.fail(`kernel_shape [${kernel.join(',')}] does not match ${n} spatial dims`);
  const autoPad = node.attrString('auto_pad', 'NOTSET');
  if (!AUTO_PADS.includes(autoPad)) ctx.fail(`unknown auto_pad '${autoPad}'`);
  const strides = node.attrInts('strides', new Array<number>(n).fill(1));
  const dilations = node.attrInts('dilations', new Array<number>(n).fill(1));
  const pads = node.attrInts('pads', new Array<number>(2 * n).fill(0));
  if (strides.length !== n || dilations.length !== n || pads.length !== 2 * n) {
    ctx.fail(`strides / dilations / pads lengths do not match ${n} spatial dims`);
  }
  return { kernel, strides, dilations, pads, autoPad: autoPad as AutoPad, ceilMode: node.attrInt('ceil_mode', 0) === 1 };
}

/** Output size of spatial axis i for a forward window (Conv, pooling). */
export function forwardDim(ctx: RuleContext, w: Window, i: number, input: Dim): Dim {
  const k = w.kernel[i] as number;
  const s = w.strides[i] as number;
  const extent = (w.dilations[i] as number) * (k - 1) + 1;
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') {
    if (typeof input === 'number') return Math.ceil(input / s);
    return s === 1 ? input : null;
  }
  const valid = w.autoPad === 'VALID';
  const pb = valid ? 0 : (w.pads[i] as number);
  const pe = valid ? 0 : (w.pads[i + w.kernel.length] as number);
  if (typeof input !== 'number') return s === 1 && pb + pe === extent - 1 ? input : null;
  const span = input + pb + pe - extent;
  if (span < 0) ctx.fail(`spatial axis ${i}: window of extent ${extent} does not fit input ${input} with pads ${pb}+${pe}`);
  if (!w.ceilMode) return Math.floor(span / s) + 1;
  let out = Math.ceil(span / s) + 1;
  // The last window must start inside the input or the leading padding.
  if ((out - 1) * s >= input + pb) out--;
  return out;
}

/** Output size of spatial axis i for a transposed window (ConvTranspose, MaxUnpool). */
export function transposedDim(w: Window, i: number, input: Dim, outputPadding = 0): Dim {
  const s = w.strides[i] as number;
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') {
    if (typeof input === 'number') return input * s;
    return s === 1 ? input : null;
  }
  if (typeof input !== 'number') return null;
  const extent = (w.dilations[i] as number) * ((w.kernel[i] as number) - 1) + 1;
  const valid = w.autoPad === 'VALID';
  const pb = valid ? 0 : (w.pads[i] as number);
  const pe = valid ? 0 : (w.pads[i + w.kernel.length] as number);
  return s * (input - 1) + outputPadding + extent - pb - pe;
}
