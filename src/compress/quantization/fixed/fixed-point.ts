/**
 * Fixed-point numbers (Gupta et al. 2015; Ristretto): a b-bit signed integer q times 2^-fl, fl being the
 * fractional length. Dynamic fixed point picks fl per layer from the value range: the integer length
 * il = ceil(log2(max|x|)) + 1 (sign bit included) and fl = b - il. Rounding is to nearest (ties to even,
 * as ONNX Round) or stochastic: floor(x / step + u), u ~ U[0, 1), which is unbiased.
 */
import { SlimnetError } from '../../../ir/errors.js';
import { Rng } from '../../../util/rng.js';

export type FixedRounding = 'nearest' | 'stochastic';

/** The bit widths of the study (others are accepted too). */
export const FIXED_BITS: readonly number[] = [16, 8, 6, 4, 2];

export function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 2 || bits > 32) throw new SlimnetError('INVALID_ARGUMENT', `fixed-point bit width must be an integer in [2, 32], got ${bits}`);
}

/** Integer length ceil(log2(max|x|)) + 1; 1 (just the sign) when maxAbs is 0. */
export function integerLength(maxAbs: number): number {
  if (!(maxAbs > 0)) return 1;
  return Math.ceil(Math.log2(maxAbs)) + 1;
}

/** Fractional length for `bits` covering values up to maxAbs. */
export function fracLength(maxAbs: number, bits: number): number {
  checkBits(bits);
  return bits - integerLength(maxAbs);
}

export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i] as number));
  return m;
}

/** Round half to even (ONNX Round semantics). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Integer range of a signed b-bit fixed-point number. */
export function intRange(bits: number): { lo: number; hi: number } {
  return { lo: -(2 ** (bits - 1)), hi: 2 ** (bits - 1) - 1 };
}

export interface FixedFormat {
  readonly bits: number;
  readonly fl: number;
}

/** Quantizes values to the fixed-point grid (saturating), returning float32 values on the grid. */
export function quantizeFixed(values: ArrayLike<number>, f: FixedFormat, rounding: FixedRounding = 'nearest', seed = 0): Float32Array {
  checkBits(f.bits);
  const { lo, hi } = intRange(f.bits);
  const scale = 2 ** f.fl;
  const rng = rounding === 'stochastic' ? new Rng(seed) : undefined;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const s = (values[i] as number) * scale;
    const q = rng === undefined ? roundHalfEven(s) : Math.floor(s + rng.next());
    out[i] = Math.min(hi, Math.max(lo, q)) / scale;
  }
  return out;
}
