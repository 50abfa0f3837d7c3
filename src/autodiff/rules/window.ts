/**
 * Sliding-window geometry for the gradients of Conv, ConvTranspose and pooling: reads kernel / strides /
 * dilations / pads / auto_pad from the forward node and resolves them to explicit pads from static shapes,
 * so every backward node can be written with exact output sizes.
 */
import { ShapeError, UnsupportedOpError } from '../../ir/errors.js';
import type { Value } from '../../ir/value.js';
import type { GradContext } from '../rule.js';

export interface Window {
  /** Number of spatial axes. */
  readonly n: number;
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly padsBegin: readonly number[];
  readonly padsEnd: readonly number[];
  /** Spatial sizes of the window's input (the larger side). */
  readonly input: readonly number[];
  /** Spatial sizes of the window's output (the smaller side). */
  readonly output: readonly number[];
}

/** Dilated kernel extent along axis i. */
export function extent(w: Window, i: number): number {
  return (w.dilations[i] as number) * ((w.kernel[i] as number) - 1) + 1;
}

/**
 * Rows of the (padded) input past the last window along axis i: (in + pb + pe − extent) − s·(out − 1).
 * Zero when the windows tile the padded input exactly; negative when the last window runs past the end
 * padding (pooling with ceil_mode).
 */
export function leftover(w: Window, i: number): number {
  const s = w.strides[i] as number;
  return (w.input[i] as number) + (w.padsBegin[i] as number) + (w.padsEnd[i] as number) - extent(w, i) - s * ((w.output[i] as number) - 1);
}

/**
 * End pads and output_padding of a transposed window (ConvTranspose, or a Conv gradient) that maps an
 * `output`-sized tensor back onto exactly `input` positions.
 */
export function transposedEnd(w: Window): { padsEnd: number[]; outputPadding: number[] } {
  const padsEnd: number[] = [];
  const outputPadding: number[] = [];
  for (let i = 0; i < w.n; i++) {
    const end = (w.padsEnd[i] as number) - leftover(w, i);
    padsEnd.push(Math.max(0, end));
    outputPadding.push(Math.max(0, -end));
  }
  return { padsEnd, outputPadding };
}

/** Static spatial dims of v (axes 2...), throwing a ShapeError naming the node when unknown. */
export function spatialDims(c: GradContext, v: Value): number[] {
  const s = v.shape;
  if (s === undefined || s.length < 3 || !s.slice(2).every((d) => typeof d === 'number')) {
    throw new ShapeError(`gradient needs static spatial dims of '${v.name}' (got ${s === undefined ? '?' : `[${s.join(',')}]`}; run shape inference first)`, c.node.name);
  }
  return s.slice(2) as number[];
}

/** Static size of axis `axis` of v or a ShapeError naming the node. */
export function staticDim(c: GradContext, v: Value, axis: number): number {
  const d = v.shape?.[axis];
  if (typeof d !== 'number') throw new ShapeError(`gradient needs the static size of axis ${axis} of '${v.name}'`, c.node.name);
  return d;
}

/**
 * The window of a forward sliding-window node (Conv, MaxPool, AveragePool) whose input spatial sizes are
 * `input` and whose output spatial sizes come from the node's output shape (or the floor formula).
 */
export function forwardWindow(c: GradContext, input: readonly number[], kernelFallback?: readonly number[]): Window {
  const node = c.node;
  const n = input.length;
  const kernel = node.attrInts('kernel_shape') ?? kernelFallback;
  if (kernel === undefined || kernel.length !== n) {
    throw new ShapeError(`gradient needs kernel_shape with ${n} entries`, node.name);
  }
  const strides = node.attrInts('strides', ones(n));
  const dilations = node.attrInts('dilations', ones(n));
  const autoPad = node.attrString('auto_pad', 'NOTSET');
  let pads = node.attrInts('pads', new Array<number>(2 * n).fill(0));
  const ceil = node.attrInt('ceil_mode', 0) === 1;
  const outShape = node.output(0).shape?.slice(2);
  const output: number[] = [];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array<number>(2 * n).fill(0);
    const p: number[] = [...pads];
    for (let i = 0; i < n; i++) {
      const s = strides[i] as number;
      const out = Math.ceil((input[i] as number) / s);
      const ext = (dilations[i] as number) * ((kernel[i] as number) - 1) + 1;
      const total = Math.max(0, (out - 1) * s + ext - (input[i] as number));
      const small = Math.floor(total / 2);
      p[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      p[i + n] = total - (p[i] as number);
    }
    pads = p;
  } else if (autoPad === 'VALID') {
    pads = new Array<number>(2 * n).fill(0);
  } else if (autoPad !== 'NOTSET') {
    throw new UnsupportedOpError(node.opType, node.name, `a gradient with auto_pad '${autoPad}'`);
  }
  for (let i = 0; i < n; i++) {
    const declared = outShape?.[i];
    if (typeof declared === 'number') {
      output.push(declared);
      continue;
    }
    const ext = (dilations[i] as number) * ((kernel[i] as number) - 1) + 1;
    const span = (input[i] as number) + (pads[i] as number) + (pads[i + n] as number) - ext;
    const s = strides[i] as number;
    let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    if (ceil && (out - 1) * s >= (input[i] as number) + (pads[i] as number)) out--;
    output.push(out);
  }
  return { n, kernel, strides, dilations, padsBegin: pads.slice(0, n), padsEnd: pads.slice(n), input, output };
}

export function ones(n: number): number[] {
  return new Array<number>(n).fill(1);
}

/** [0, 1, ..., n-1] shifted by `from`. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
