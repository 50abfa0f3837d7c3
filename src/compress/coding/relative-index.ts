/**
 * Relative (gap) indices of a sparse vector, as in Deep Compression §2: each nonzero is stored with the
 * number of zeros skipped since the previous stored entry. With g-bit gaps the symbols 0 .. 2^g - 2 mean
 * "skip that many zeros, then a nonzero"; the symbol 2^g - 1 is a filler: "skip 2^g - 1 zeros", with no
 * weight attached (the paper stores a zero weight there; a filler without a cluster index is equivalent
 * and cheaper). Zeros after the last nonzero are covered by fillers too, until fewer than 2^g - 1 are left; those
 * are implied by the tensor size. So a stream of n gap symbols describes fewer than (n + 1) * (2^g - 1) elements,
 * and a decoder can bound the tensor by the stream before allocating it.
 */
import { SlimnetError } from '../../ir/errors.js';

/** The gap symbols of a sparse vector and how many of them are fillers. */
export interface RelativeIndices {
  /** Gap symbols, one per nonzero plus one per filler. */
  readonly gaps: Uint32Array;
  /** Number of fillers among the gaps. */
  readonly fillers: number;
}

function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) throw new SlimnetError('INVALID_ARGUMENT', `gap bits must be an integer in [1, 16], got ${bits}`);
}

/** Gap symbols for the nonzero positions (`isNonzero(i)` for i in [0, size)). */
export function encodeRelative(size: number, isNonzero: (i: number) => boolean, bits: number): RelativeIndices {
  checkBits(bits);
  const filler = 2 ** bits - 1;
  const out: number[] = [];
  let fillers = 0;
  let run = 0;
  for (let i = 0; i < size; i++) {
    if (!isNonzero(i)) {
      run++;
      continue;
    }
    while (run >= filler) {
      out.push(filler);
      fillers++;
      run -= filler;
    }
    out.push(run);
    run = 0;
  }
  while (run >= filler) {
    out.push(filler);
    fillers++;
    run -= filler;
  }
  return { gaps: Uint32Array.from(out), fillers };
}

/**
 * The nonzero positions encoded by `gaps`. Throws a SlimnetError when they run past `size`, or when they leave
 * 2^bits - 1 or more trailing zeros uncovered (the encoder writes fillers for those).
 */
export function decodeRelative(gaps: ArrayLike<number>, bits: number, size: number): Int32Array {
  checkBits(bits);
  const filler = 2 ** bits - 1;
  const positions: number[] = [];
  let pos = 0;
  for (let k = 0; k < gaps.length; k++) {
    const g = gaps[k] as number;
    if (!Number.isInteger(g) || g < 0 || g > filler) {
      throw new SlimnetError('ONNX_DECODE', `gap symbol ${g} is outside [0, ${filler}]`);
    }
    pos += g;
    if (g === filler) {
      if (pos > size) throw new SlimnetError('ONNX_DECODE', `filler gaps run past the tensor end (${pos} > ${size})`);
      continue;
    }
    if (pos >= size) {
      throw new SlimnetError('ONNX_DECODE', `relative index points past the tensor end (${pos} >= ${size})`);
    }
    positions.push(pos);
    pos++;
  }
  if (size - pos >= filler) {
    throw new SlimnetError('ONNX_DECODE',
      `the gaps cover ${pos} of ${size} elements; ${size - pos} trailing zeros need filler gaps`);
  }
  return Int32Array.from(positions);
}
