/**
 * XnorLayer: a binary Conv (NCHW, groups 1) or Gemm on the native XNOR + popcount kernel. The input is
 * float; the kernel takes its sign (ONNX Sign semantics: exact zeros contribute 0, as do padded positions)
 * and computes, per output channel m, alpha[m] * Σ sign(x)·w + beta[m] with w = ±1 from the packed weights.
 */
import { ShapeError, SlimnetError } from '../../ir/errors.js';
import { requireXnorAddon, type XnorAddon, type XnorLayerHandle } from './addon.js';
import { reductionBits, type PackedBinaryWeights } from './packed.js';

/** Kernel variants: portable 64-bit popcount, AVX2 nibble-table popcount, AVX-512 VPOPCNTDQ. */
export type XnorIsa = 'scalar' | 'avx2' | 'avx512';
/** The XNOR kernel variants: scalar, avx2, avx512. */
export const XNOR_ISAS: readonly XnorIsa[] = ['scalar', 'avx2', 'avx512'];

/** Geometry of a binary convolution: strides, pads, dilations and auto_pad, as in ONNX Conv. */
export interface ConvGeometry {
  /** [sh, sw] (default [1, 1]). */
  readonly strides?: readonly number[];
  /** Explicit zero padding [top, left, bottom, right] as in ONNX `pads` (default zeros); ignored unless autoPad is 'NOTSET'. */
  readonly pads?: readonly number[];
  /** [dh, dw] (default [1, 1]). */
  readonly dilations?: readonly number[];
  /** ONNX auto_pad (default 'NOTSET': use `pads`). */
  readonly autoPad?: 'NOTSET' | 'VALID' | 'SAME_UPPER' | 'SAME_LOWER';
}

/**
 * Options of `XnorLayer.create`: convolution geometry, per-channel multiplier and offset, input affine, kernel variant
 * and threads.
 */
export interface XnorLayerOptions {
  /** Convolution geometry (conv weights only). */
  readonly geometry?: ConvGeometry;
  /** Per-output-channel multiplier of the ±1 dot product (default: the packed scales, or 1). */
  readonly alpha?: Float32Array;
  /** Per-output-channel offset added after the multiplier (default 0). */
  readonly beta?: Float32Array;
  /**
   * A per-input-channel affine applied before the sign: the kernel packs sign(scale[c]·x + shift[c]). This is
   * how a BatchNormalization in front of the Sign is folded in (length C each).
   */
  readonly inputAffine?: { readonly scale: Float32Array; readonly shift: Float32Array };
  /** Kernel variant; 'auto' (default) is the best this CPU runs. */
  readonly isa?: XnorIsa | 'auto';
  /** Kernel threads (default 1). */
  readonly threads?: number;
  /** Names the layer in error messages. */
  readonly name?: string;
}

/** The kernel variant 'auto' resolves to on this CPU (throws DEPENDENCY_MISSING without the addon). */
export function bestXnorIsa(): XnorIsa {
  return XNOR_ISAS[requireXnorAddon().bestIsa()] as XnorIsa;
}

/** One binary layer on the native XNOR + popcount kernel: packed ±1 weights, geometry and per-channel affine. */
export class XnorLayer {
  readonly weights: PackedBinaryWeights;
  readonly isa: XnorIsa;
  readonly threads: number;
  readonly name: string;
  private readonly addon: XnorAddon;
  private readonly handle: XnorLayerHandle;
  private readonly geometry: Required<ConvGeometry>;

  private constructor(weights: PackedBinaryWeights, opts: XnorLayerOptions, addon: XnorAddon, isa: XnorIsa) {
    this.weights = weights;
    this.addon = addon;
    this.isa = isa;
    this.name = opts.name ?? 'xnor layer';
    this.threads = opts.threads ?? 1;
    const m = weights.outChannels;
    const alpha = opts.alpha ?? weights.scales ?? new Float32Array(m).fill(1);
    const beta = opts.beta ?? new Float32Array(m);
    if (alpha.length !== m || beta.length !== m) {
      throw new SlimnetError('INVALID_ARGUMENT', `${this.name}: alpha/beta need ${m} values (one per output channel), got ${alpha.length}/${beta.length}`);
    }
    if (!Number.isInteger(this.threads) || this.threads < 1) throw new SlimnetError('INVALID_ARGUMENT', `${this.name}: threads must be a positive integer`);
    const g = opts.geometry ?? {};
    this.geometry = {
      strides: g.strides ?? [1, 1], pads: g.pads ?? [0, 0, 0, 0], dilations: g.dilations ?? [1, 1], autoPad: g.autoPad ?? 'NOTSET',
    };
    const ok = (a: readonly number[], n: number, min: number): boolean => a.length === n && a.every((v) => Number.isInteger(v) && v >= min);
    if (!ok(this.geometry.strides, 2, 1) || !ok(this.geometry.dilations, 2, 1) || !ok(this.geometry.pads, 4, 0)) {
      throw new SlimnetError('INVALID_ARGUMENT', `${this.name}: 2-D strides/dilations (>= 1) and 4 pads (>= 0) expected`);
    }
    const k = reductionBits(weights);
    const pre = opts.inputAffine;
    if (pre === undefined) this.handle = addon.prepare(weights.bits, m, k, Float32Array.from(alpha), Float32Array.from(beta));
    else {
      if (pre.scale.length !== weights.inChannels || pre.shift.length !== weights.inChannels) {
        throw new SlimnetError('INVALID_ARGUMENT', `${this.name}: inputAffine needs ${weights.inChannels} scales and shifts, got ${pre.scale.length}/${pre.shift.length}`);
      }
      this.handle = addon.prepare(weights.bits, m, k, Float32Array.from(alpha), Float32Array.from(beta), Float32Array.from(pre.scale), Float32Array.from(pre.shift));
    }
  }

  /** Prepares the weights for the kernel. Throws DEPENDENCY_MISSING when the addon is not built. */
  static create(weights: PackedBinaryWeights, opts: XnorLayerOptions = {}): XnorLayer {
    const addon = requireXnorAddon();
    const best = addon.bestIsa();
    const want = opts.isa ?? 'auto';
    const isa = want === 'auto' ? (XNOR_ISAS[best] as XnorIsa) : want;
    if (XNOR_ISAS.indexOf(isa) > best) {
      throw new SlimnetError('DEPENDENCY_MISSING', `this CPU does not run the '${isa}' XNOR kernel (best: ${XNOR_ISAS[best] as string})`);
    }
    return new XnorLayer(weights, opts, addon, isa);
  }

  /** [N, M, OH, OW] for a conv input [N, C, H, W]; [N, M] for a gemm input [N, K]. */
  outputDims(inputDims: readonly number[]): number[] {
    const g = this.shape(inputDims);
    return this.weights.kind === 'gemm' ? [g[0] as number, this.weights.outChannels] : [g[0] as number, this.weights.outChannels, g[12] as number, g[13] as number];
  }

  /**
   * Runs the layer on a float input of `dims`; writes into `out` when given (it must have the output size);
   * adds `residual` (same size as the output, e.g. a ResNet shortcut) when given.
   */
  run(x: Float32Array, dims: readonly number[], out?: Float32Array, residual?: Float32Array): Float32Array {
    const g = this.shape(dims);
    const size = dims.reduce((a, b) => a * b, 1);
    if (x.length !== size) throw new ShapeError(`input has ${x.length} values, dims [${dims.join(',')}] need ${size}`, this.name);
    const outSize = (g[0] as number) * this.weights.outChannels * (g[12] as number) * (g[13] as number);
    const y = out ?? new Float32Array(outSize);
    if (y.length !== outSize) throw new ShapeError(`output buffer has ${y.length} values, expected ${outSize}`, this.name);
    if (residual === undefined) this.addon.conv(this.handle, x, g, y, XNOR_ISAS.indexOf(this.isa), this.threads);
    else {
      if (residual.length !== outSize) throw new ShapeError(`residual has ${residual.length} values, expected ${outSize}`, this.name);
      this.addon.conv(this.handle, x, g, y, XNOR_ISAS.indexOf(this.isa), this.threads, residual);
    }
    return y;
  }

  /** The addon's geometry vector [N, C, H, W, kh, kw, sh, sw, dh, dw, padTop, padLeft, OH, OW]. */
  private shape(dims: readonly number[]): Int32Array {
    const w = this.weights;
    if (w.kind === 'gemm') {
      if (dims.length !== 2 || dims[1] !== w.inChannels) throw new ShapeError(`gemm input must be [N, ${w.inChannels}], got [${dims.join(',')}]`, this.name);
      return Int32Array.from([dims[0] as number, w.inChannels, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1]);
    }
    if (dims.length !== 4 || dims[1] !== w.inChannels) throw new ShapeError(`conv input must be [N, ${w.inChannels}, H, W], got [${dims.join(',')}]`, this.name);
    const [n, c, h, wd] = dims as [number, number, number, number];
    const { strides, dilations } = this.geometry;
    const [oh, top] = axis(h, w.kernel[0], strides[0] as number, dilations[0] as number, this.padsOf(0), this.geometry.autoPad);
    const [ow, left] = axis(wd, w.kernel[1], strides[1] as number, dilations[1] as number, this.padsOf(1), this.geometry.autoPad);
    if (oh < 1 || ow < 1) throw new ShapeError(`input [${dims.join(',')}] is too small for the kernel (output ${oh}x${ow})`, this.name);
    return Int32Array.from([n, c, h, wd, w.kernel[0], w.kernel[1], strides[0] as number, strides[1] as number, dilations[0] as number, dilations[1] as number, top, left, oh, ow]);
  }

  private padsOf(i: number): [number, number] {
    return [this.geometry.pads[i] as number, this.geometry.pads[i + 2] as number];
  }
}

/** Output size and leading pad of one spatial axis (ONNX Conv rules, auto_pad included). */
function axis(size: number, k: number, s: number, d: number, pads: [number, number], autoPad: Required<ConvGeometry>['autoPad']): [number, number] {
  const extent = (k - 1) * d + 1;
  if (autoPad === 'VALID') return [Math.floor((size - extent) / s) + 1, 0];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const out = Math.ceil(size / s);
    const total = Math.max(0, (out - 1) * s + extent - size);
    return [out, autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2)];
  }
  return [Math.floor((size + pads[0] + pads[1] - extent) / s) + 1, pads[0]];
}
