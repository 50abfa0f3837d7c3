/**
 * The packed 1-bit weight format: each output channel's weights (all +1 or -1) as bits along the reduction
 * axis, 64 to a word, plus optional per-output-channel scales. This is what the XNOR kernel consumes and
 * what a deployed binary layer costs to store (see FORMAT.md for the byte layout of `encodePackedWeights`).
 */
import { SlimnetError } from '../../ir/errors.js';
import { Tensor } from '../../ir/tensor.js';

/** One binary layer's weights, packed. */
export interface PackedBinaryWeights {
  /** 'conv': an ONNX Conv weight [M, C, kh, kw]; 'gemm': a fully connected weight [M, K] (C = K, kernel [1, 1]). */
  readonly kind: 'conv' | 'gemm';
  /** Output channels M: one packed row each. */
  readonly outChannels: number;
  /** Input channels C (the input features K of a Gemm). */
  readonly inChannels: number;
  /** Kernel size [kh, kw]; [1, 1] for a Gemm. */
  readonly kernel: readonly [number, number];
  /** 64-bit words per row: ceil(C * kh * kw / 64). */
  readonly wordsPerRow: number;
  /**
   * The bits as little-endian 32-bit halves of 64-bit words, row after row (M * wordsPerRow * 2 values).
   * Bit j of row m is 1 when the weight is -1, with j = (ky * kw + kx) * C + c (kernel position major,
   * channel minor). Bits past C * kh * kw are 0.
   */
  readonly bits: Uint32Array;
  /** Per-output-channel scales (length M), or undefined when the layer has none. */
  readonly scales: Float32Array | undefined;
}

/** Options of `packBinaryWeights`: tensor layout, Gemm transposition, scales and a name for errors. */
export interface PackOptions {
  /** How to read the weight tensor: 'conv' [M, C, kh, kw] or 'gemm' (default for rank 2). */
  readonly kind?: 'conv' | 'gemm';
  /** For 'gemm': true when the tensor is [M, K] (ONNX Gemm transB = 1), false when [K, M] (default true). */
  readonly transB?: boolean;
  /** Per-output-channel scales to carry along (length M). */
  readonly scales?: Float32Array;
  /** Names the tensor in error messages. */
  readonly name?: string;
}

/** Reduction length in bits (C * kh * kw). */
export function reductionBits(p: Pick<PackedBinaryWeights, 'inChannels' | 'kernel'>): number {
  return p.inChannels * p.kernel[0] * p.kernel[1];
}

/** Whether every element of `t` is exactly +1 or -1 (float tensors only). */
export function isBinaryTensor(t: Tensor): boolean {
  return firstNonBinary(t) < 0;
}

function firstNonBinary(t: Tensor): number {
  if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) return 0;
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (d[i] !== 1 && d[i] !== -1) return i;
  return d.length === 0 ? 0 : -1;
}

/** Packs a ±1 weight tensor. Any other value (or dtype, or rank) throws INVALID_ARGUMENT naming the tensor. */
export function packBinaryWeights(t: Tensor, opts: PackOptions = {}): PackedBinaryWeights {
  const name = opts.name ?? 'weight';
  const kind = opts.kind ?? (t.rank === 2 ? 'gemm' : 'conv');
  const bad = firstNonBinary(t);
  if (bad >= 0) {
    const what = t.size === 0 ? 'is empty' : t.dtype !== 'float32' && t.dtype !== 'float64' ? `has dtype ${t.dtype}` : `element ${bad} is ${String(t.data[bad])}`;
    throw new SlimnetError('INVALID_ARGUMENT', `cannot pack '${name}' as binary weights: ${what} (expected only +1 and -1)`);
  }
  let m: number, c: number, kh: number, kw: number;
  let at: (m: number, c: number, ky: number, kx: number) => number;
  if (kind === 'conv') {
    if (t.rank !== 4) throw new SlimnetError('INVALID_ARGUMENT', `'${name}': a conv weight must be [M, C, kh, kw], got [${t.dims.join(',')}]`);
    [m, c, kh, kw] = t.dims as [number, number, number, number];
    at = (mm, cc, ky, kx) => ((mm * c + cc) * kh + ky) * kw + kx;
  } else {
    if (t.rank !== 2) throw new SlimnetError('INVALID_ARGUMENT', `'${name}': a gemm weight must be rank 2, got [${t.dims.join(',')}]`);
    const transB = opts.transB ?? true;
    [m, c] = (transB ? t.dims : [t.dims[1], t.dims[0]]) as [number, number];
    kh = kw = 1;
    at = transB ? (mm, cc) => mm * c + cc : (mm, cc) => cc * m + mm;
  }
  if (opts.scales !== undefined && opts.scales.length !== m) {
    throw new SlimnetError('INVALID_ARGUMENT', `'${name}': ${opts.scales.length} scales for ${m} output channels`);
  }
  const wordsPerRow = Math.ceil((c * kh * kw) / 64);
  const bits = new Uint32Array(m * wordsPerRow * 2);
  const d = t.data as Float32Array | Float64Array;
  for (let mm = 0; mm < m; mm++) {
    const row = mm * wordsPerRow * 2;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        for (let cc = 0; cc < c; cc++) {
          if ((d[at(mm, cc, ky, kx)] as number) > 0) continue;
          const j = (ky * kw + kx) * c + cc;
          bits[row + (j >>> 5)] = ((bits[row + (j >>> 5)] as number) | (1 << (j & 31))) >>> 0;
        }
      }
    }
  }
  return { kind, outChannels: m, inChannels: c, kernel: [kh, kw], wordsPerRow, bits, scales: opts.scales?.slice() };
}

/** The ±1 float32 weight tensor back: [M, C, kh, kw] for 'conv', [M, K] for 'gemm' (scales are not applied). */
export function unpackBinaryWeights(p: PackedBinaryWeights): Tensor {
  const m = p.outChannels;
  const c = p.inChannels;
  const [kh, kw] = p.kernel;
  const out = new Float32Array(m * c * kh * kw);
  for (let mm = 0; mm < m; mm++) {
    const row = mm * p.wordsPerRow * 2;
    for (let cc = 0; cc < c; cc++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const j = (ky * kw + kx) * c + cc;
          const bit = ((p.bits[row + (j >>> 5)] as number) >>> (j & 31)) & 1;
          out[((mm * c + cc) * kh + ky) * kw + kx] = bit === 1 ? -1 : 1;
        }
      }
    }
  }
  return p.kind === 'conv' ? Tensor.f32([m, c, kh, kw], out) : Tensor.f32([m, c], out);
}
