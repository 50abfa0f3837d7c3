/**
 * Gradients of Conv and ConvTranspose, written with the same two ops (engine notes):
 *  - input gradient of Conv = ConvTranspose of dY with the same weight (exact output size via end pads /
 *    output_padding), or for stride 1 a Conv with spatially flipped, channel-transposed weights (much faster
 *    for depthwise); input gradient of ConvTranspose = Conv of dY with the same weight.
 *  - weight gradient = im2col (a depthwise Conv with a one-hot kernel) + a batched MatMul summed over the batch,
 *    2-2.4x faster on ResNet-20 layers; or a grouped Conv over transposed tensors ("batch" and "channel"
 *    swapped, stride and dilation exchanged), which works for every group count and is used for depthwise
 *    convs, few-channel convs and huge im2col buffers (see ConvGradOptions).
 *  - bias gradient = ReduceSum over batch and spatial axes.
 */
import { UnsupportedOpError } from '../../ir/errors.js';
import { Tensor } from '../../ir/tensor.js';
import type { Value } from '../../ir/value.js';
import type { GradContext, GradientRule, GradientTable } from '../rule.js';
import { extent, forwardWindow, leftover, range, spatialDims, staticDim, transposedEnd, type Window } from './window.js';

/** Slice along `axes` (inputs from opset 10, attributes before; steps need opset 10). */
export function slice(c: GradContext, x: Value, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[]): Value {
  if (c.opset < 10) {
    if (steps !== undefined) throw new UnsupportedOpError(c.node.opType, c.node.name, 'a gradient below opset 10 (needs Slice steps)');
    return c.op('Slice', [x], { starts: [...starts], ends: [...ends], axes: [...axes] });
  }
  const inputs = [x, c.ints(starts), c.ints(ends), c.ints(axes)];
  if (steps !== undefined) inputs.push(c.ints(steps));
  return c.op('Slice', inputs);
}

/**
 * Weight gradient of a sliding-window product between `big` [N, C, in...] and `small` [N, M, out...]:
 * dW[m, c', k...] = Σ_n,o big[n, g·Cg + c', o·s + k·d − pb] · small[n, m, o] with g the group of m.
 * Computed as Conv(bigᵀ regrouped [Cg, g·N, in...], smallᵀ [M, N, out...], group g, stride d, dilation s),
 * giving [Cg, M, k...], then transposed to [M, Cg, k...].
 */
export function windowWeightGrad(c: GradContext, big: Value, small: Value, w: Window, group: number, bigChannels: number): Value {
  const n = w.n;
  const sp = range(2, 2 + n);
  const swap = [1, 0, ...sp];
  const cg = bigChannels / group;
  let bigT: Value;
  if (group === 1) {
    bigT = c.op('Transpose', [big], { perm: swap });
  } else if (cg === 1) {
    bigT = c.reshape(c.op('Transpose', [big], { perm: swap }), [1, -1, ...w.input]);
  } else {
    const split = c.reshape(big, [0, group, cg, ...w.input]);
    const t = c.op('Transpose', [split], { perm: [2, 1, 0, ...range(3, 3 + n)] });
    bigT = c.reshape(t, [cg, -1, ...w.input]);
  }
  const smallT = c.op('Transpose', [small], { perm: swap });
  // Trailing input rows no window reaches are cut from the end padding; what padding cannot absorb
  // (and any extra kernel rows it leaves) is sliced off the result.
  const padsEnd = w.padsEnd.map((p, i) => Math.max(0, p - Math.max(0, leftover(w, i))));
  const got = w.kernel.map((_, i) => {
    const span = (w.input[i] as number) + (w.padsBegin[i] as number) + (padsEnd[i] as number) - ((w.strides[i] as number) * ((w.output[i] as number) - 1) + 1);
    return Math.floor(span / (w.dilations[i] as number)) + 1;
  });
  let dw = c.op('Conv', [bigT, smallT], {
    kernel_shape: [...w.output],
    strides: [...w.dilations],
    dilations: [...w.strides],
    pads: [...w.padsBegin, ...padsEnd],
    group,
  });
  if (got.some((g, i) => g !== w.kernel[i])) {
    dw = slice(c, dw, w.kernel.map(() => 0), [...w.kernel], sp);
  }
  return c.op('Transpose', [dw], { perm: swap });
}

/** Sum of dY over every axis but the channel axis (bias gradient). */
function biasGrad(c: GradContext, dy: Value, rank: number): Value {
  return c.reduceSum(dy, [0, ...range(2, rank)], false);
}

/** Formulation switches (measured defaults; tests and benchmarks flip them). */
export interface ConvGradOptions {
  /**
   * Stride-1 input gradient as a Conv with flipped weights instead of ConvTranspose. 'auto' (default):
   * for depthwise convs, and for others whose input is at most 1.2× the output's spatial size (the flipped
   * Conv multiplies the zero border, so it loses on unpadded convs like LeNet's).
   */
  flippedConv: 'auto' | 'always' | 'never';
  /**
   * Weight gradient of a non-depthwise Conv. 'auto' (default): im2col by a one-hot Conv then a batched
   * MatMul summed over the batch, when each group has at least `im2colMinRows` column rows (Cg·prod(kernel)) and the
   * columns take at most `im2colLimit` elements per sample; otherwise (and for depthwise convs, and with
   * 'grouped-conv') a grouped Conv over transposed tensors.
   */
  weightGrad: 'auto' | 'grouped-conv';
  /** Largest im2col buffer, in elements per sample (C·prod(kernel)·prod(output spatial)). */
  im2colLimit: number;
  /** Fewest column rows per group (Cg·prod(kernel)) for im2col (default 64). */
  im2colMinRows: number;
}

export const convGradOptions: ConvGradOptions = { flippedConv: 'auto', weightGrad: 'auto', im2colLimit: 1 << 18, im2colMinRows: 64 };

/**
 * The im2col kernel: a one-hot depthwise kernel [C·K, 1, k...] (channel multiplier K) whose output channel
 * c·K + j copies tap j of input channel c, so the Conv writes the columns straight into [N, C·K, out...] —
 * no [N·C, 1, ...] reshape, whose 1-channel Conv onnxruntime runs through a padded NCHWc layout and a
 * costly reorder.
 */
function oneHotKernel(c: GradContext, x: Value, channels: number, kernel: readonly number[]): Value {
  const kk = kernel.reduce((a, b) => a * b, 1);
  const eye = new Tensor(x.dtype === 'float64' ? 'float64' : 'float32', [channels * kk, 1, ...kernel]);
  for (let ch = 0; ch < channels; ch++) for (let i = 0; i < kk; i++) eye.data[(ch * kk + i) * kk + i] = 1;
  return c.b.graph.addInitializer(c.b.graph.uniqueName(`grad/${c.node.name}/im2col`), eye);
}

/**
 * Conv weight gradient via im2col: cols = depthwise Conv(x, one-hot kernel [C·K, 1, k...]) with the
 * forward window gives [N, C·K, out...]; dW[g, m, (c, k)] = Σ_n cols[n, g, (c, k), :] · dY[n, g, m, :].
 */
function im2colWeightGrad(c: GradContext, x: Value, dy: Value, w: Window, group: number, channels: number, m: number): Value {
  const kk = w.kernel.reduce((a, b) => a * b, 1);
  const p = w.output.reduce((a, b) => a * b, 1);
  const cg = channels / group;
  const mg = m / group;
  // A pointwise conv's columns are its input: no one-hot Conv needed.
  const cols = isPointwise(w) ? x : c.op('Conv', [x, oneHotKernel(c, x, channels, w.kernel)], {
    kernel_shape: [...w.kernel],
    strides: [...w.strides],
    dilations: [...w.dilations],
    pads: [...w.padsBegin, ...w.padsEnd],
    group: channels,
  });
  const dyT = c.op('Transpose', [c.reshape(dy, [-1, group, mg, p])], { perm: [0, 1, 3, 2] });
  const prod = c.op('MatMul', [c.reshape(cols, [-1, group, cg * kk, p]), dyT]);
  const summed = c.reduceSum(prod, [0], false);
  return c.reshape(c.op('Transpose', [summed], { perm: [0, 2, 1] }), [m, cg, ...w.kernel]);
}

/** A 1x1 kernel with stride 1, dilation 1 and no padding: the conv is a per-pixel matrix product. */
function isPointwise(w: Window): boolean {
  return w.kernel.every((k, i) => k === 1 && w.strides[i] === 1 && w.padsBegin[i] === 0 && w.padsEnd[i] === 0);
}

function convWeightGrad(c: GradContext, x: Value, dy: Value, w: Window, group: number, cg: number, m: number): Value {
  const depthwise = cg === 1 && group > 1;
  const perSample = cg * group * w.kernel.reduce((a, b) => a * b, 1) * w.output.reduce((a, b) => a * b, 1);
  // Few rows per group (e.g. a 1-channel 5x5 conv: 25) leave the batched MatMul too small to pay off, except
  // for pointwise convs, whose columns cost nothing (the grouped-conv form with an output-sized kernel is slow).
  const rows = cg * w.kernel.reduce((a, b) => a * b, 1);
  const enoughRows = rows >= convGradOptions.im2colMinRows || (isPointwise(w) && cg > 1);
  if (convGradOptions.weightGrad === 'auto' && !depthwise && enoughRows && perSample <= convGradOptions.im2colLimit) {
    return im2colWeightGrad(c, x, dy, w, group, cg * group, m);
  }
  return windowWeightGrad(c, x, dy, w, group, cg * group);
}

/** Conv weight [M, Cg, k...] turned into the weight of the stride-1 transposed conv: [g·Cg, M/g, k...] flipped. */
function flippedWeight(c: GradContext, wv: Value, group: number, m: number, cg: number, kernel: readonly number[]): Value {
  const n = kernel.length;
  const sp = range(2, 2 + n);
  const mg = m / group;
  let t: Value;
  if (group === 1) t = c.op('Transpose', [wv], { perm: [1, 0, ...sp] });
  else if (mg === 1 || cg === 1) t = c.reshape(wv, [group * cg, mg, ...kernel]);
  else {
    const split = c.reshape(wv, [group, mg, cg, ...kernel]);
    t = c.reshape(c.op('Transpose', [split], { perm: [0, 2, 1, ...range(3, 3 + n)] }), [group * cg, mg, ...kernel]);
  }
  const big = -(2 ** 53);
  return slice(c, t, sp.map(() => -1), sp.map(() => big), sp, sp.map(() => -1));
}

function convInputGrad(c: GradContext, dy: Value, wv: Value, win: Window, group: number, m: number, cg: number): Value {
  const mode = convGradOptions.flippedConv;
  const depthwise = cg === 1 && group > 1;
  const growth = win.input.reduce((a, b) => a * b, 1) / win.output.reduce((a, b) => a * b, 1);
  const flipPads = [...win.padsBegin, ...win.padsEnd].map((p, j) => extent(win, j % win.n) - 1 - p);
  const flip =
    c.opset >= 10 &&
    win.strides.every((s) => s === 1) &&
    flipPads.every((p) => p >= 0) &&
    (mode === 'always' || (mode === 'auto' && (depthwise || growth <= 1.2)));
  if (flip) {
    const wf = flippedWeight(c, wv, group, m, cg, win.kernel);
    return c.op('Conv', [dy, wf], { kernel_shape: [...win.kernel], dilations: [...win.dilations], pads: flipPads, group });
  }
  const { padsEnd, outputPadding } = transposedEnd(win);
  const attrs: Record<string, readonly number[] | number> = {
    kernel_shape: [...win.kernel],
    strides: [...win.strides],
    dilations: [...win.dilations],
    pads: [...win.padsBegin, ...padsEnd],
    group,
  };
  if (outputPadding.some((p) => p !== 0)) attrs['output_padding'] = outputPadding;
  return c.op('ConvTranspose', [dy, wv], attrs);
}

const conv: GradientRule = (c) => {
  const dy = c.dOut();
  if (dy === undefined) return [];
  const x = c.node.input(0);
  const wv = c.node.input(1);
  const group = c.node.attrInt('group', 1);
  const kernel = spatialDims(c, wv);
  const win = forwardWindow(c, spatialDims(c, x), kernel);
  const m = staticDim(c, wv, 0);
  const cg = staticDim(c, wv, 1);
  const rank = win.n + 2;
  return [
    c.needs(0) ? convInputGrad(c, dy, wv, win, group, m, cg) : undefined,
    c.needs(1) ? convWeightGrad(c, x, dy, win, group, cg, m) : undefined,
    c.needs(2) ? biasGrad(c, dy, rank) : undefined,
  ];
};

const convTranspose: GradientRule = (c) => {
  const dy = c.dOut();
  if (dy === undefined) return [];
  const node = c.node;
  const x = node.input(0);
  const wv = node.input(1);
  const autoPad = node.attrString('auto_pad', 'NOTSET');
  if (node.attrInts('output_shape') !== undefined || (autoPad !== 'NOTSET' && autoPad !== 'VALID')) {
    throw new UnsupportedOpError(node.opType, node.name, 'a gradient with output_shape or auto_pad SAME (give explicit pads)');
  }
  const group = node.attrInt('group', 1);
  const kernel = node.attrInts('kernel_shape') ?? spatialDims(c, wv);
  const small = spatialDims(c, x);
  const n = small.length;
  const pads = autoPad === 'VALID' ? new Array<number>(2 * n).fill(0) : node.attrInts('pads', new Array<number>(2 * n).fill(0));
  const strides = node.attrInts('strides', new Array<number>(n).fill(1));
  const dilations = node.attrInts('dilations', new Array<number>(n).fill(1));
  const outPad = node.attrInts('output_padding', new Array<number>(n).fill(0));
  const big = small.map((h, i) => {
    const ext = (dilations[i] as number) * ((kernel[i] as number) - 1) + 1;
    return (strides[i] as number) * (h - 1) + (outPad[i] as number) + ext - (pads[i] as number) - (pads[i + n] as number);
  });
  const win: Window = { n, kernel, strides, dilations, padsBegin: pads.slice(0, n), padsEnd: pads.slice(n), input: big, output: small };
  const coutG = staticDim(c, wv, 1);
  return [
    c.needs(0)
      ? c.op('Conv', [dy, wv], { kernel_shape: [...kernel], strides: [...strides], dilations: [...dilations], pads: [...pads], group })
      : undefined,
    c.needs(1) ? windowWeightGrad(c, dy, x, win, group, coutG * group) : undefined,
    c.needs(2) ? biasGrad(c, dy, n + 2) : undefined,
  ];
};

export const convRules: GradientTable = { Conv: conv, ConvTranspose: convTranspose };
