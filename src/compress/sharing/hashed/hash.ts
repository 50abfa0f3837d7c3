/**
 * The HashedNets hash, computed identically in TypeScript and inside an ONNX graph (int64 Mul / Add / Mod,
 * no overflow). Element e = i·cols + j of a stored [rows, cols] weight gets
 *   bucket(e) = P_a(e) mod K,   negative(e) = P_b(e) mod 2,
 * with P_c(x) = ((c3·x + c2)·x + c1)·x + c0 mod p, p = 2^31 − 1 (Horner, reduced mod p after each step so
 * every product stays below 2^62). Degree-3 polynomials over Z_p with random coefficients are a 4-wise
 * independent family; the two polynomials play the roles of the paper's h(i, j) and ξ(i, j).
 */
import type { GraphBuilder } from '../../../ir/builder.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Value } from '../../../ir/value.js';
import { Rng } from '../../../util/rng.js';
import { signedIndex } from '../common/signed-table.js';

/** The modulus p = 2^31 − 1 (a Mersenne prime). */
export const HASH_PRIME = 2147483647;

/** Coefficients [c0, c1, c2, c3] of the bucket and sign polynomials, each in [1, p − 1]. */
export interface HashCoefficients {
  readonly bucket: readonly number[];
  readonly sign: readonly number[];
}

/** The coefficients a seed stands for (drawn from slimnet's seeded Rng; stored alongside the seed). */
export function hashCoefficients(seed: number): HashCoefficients {
  const rng = new Rng(seed);
  const draw = (): number[] => Array.from({ length: 4 }, () => 1 + rng.int(HASH_PRIME - 1));
  return { bucket: draw(), sign: draw() };
}

/** a·b mod p for 0 <= a, b < 2^31, exact in doubles (b split into 16-bit halves). */
function mulmod(a: number, b: number): number {
  const hi = Math.floor(b / 65536);
  const lo = b % 65536;
  return (((a * hi) % HASH_PRIME) * 65536 + a * lo) % HASH_PRIME;
}

/** P_c(x) mod p. */
export function polyHash(x: number, c: readonly number[]): number {
  let t = c[3] as number;
  for (let k = 2; k >= 0; k--) t = (mulmod(t, x) + (c[k] as number)) % HASH_PRIME;
  return t;
}

function checkSize(elements: number, buckets: number): void {
  if (!Number.isInteger(buckets) || buckets < 1) throw new SlimnetError('INVALID_ARGUMENT', `bucket count must be a positive integer, got ${buckets}`);
  if (elements >= HASH_PRIME) throw new SlimnetError('INVALID_ARGUMENT', `a hashed weight must have fewer than 2^31 - 1 elements, got ${elements}`);
}

/** Signed indices (2·bucket + negative) of every element, in row-major order. */
export function hashIndex(elements: number, buckets: number, c: HashCoefficients): Int32Array {
  checkSize(elements, buckets);
  const out = new Int32Array(elements);
  for (let e = 0; e < elements; e++) out[e] = signedIndex(polyHash(e, c.bucket) % buckets, polyHash(e, c.sign) % 2 === 1);
  return out;
}

/**
 * Emits the int64 signed-index tensor of shape `dims` computed from the element positions: Range, then the
 * two polynomials. Every input is constant, so onnxruntime folds the whole computation when the session is
 * created; the file stores 11 int64 scalars instead of one index per weight.
 */
export function emitHashIndex(b: GraphBuilder, prefix: string, dims: readonly number[], buckets: number, c: HashCoefficients): Value {
  const elements = dims.reduce((p, d) => p * d, 1);
  checkSize(elements, buckets);
  const scalar = (name: string, v: number): Value => b.constInt64([v], [], `${prefix}/${name}`);
  const op = (type: string, ins: Value[], name: string): Value => b.op(type, ins, {}, { name: `${prefix}/${name}` });
  const p = scalar('p', HASH_PRIME);
  const x = op('Range', [scalar('zero', 0), scalar('elements', elements), scalar('one', 1)], 'position');
  const poly = (coef: readonly number[], tag: string): Value => {
    let t = op('Mod', [op('Add', [op('Mul', [x, scalar(`${tag}3`, coef[3] as number)], `${tag}_mul3`), scalar(`${tag}2`, coef[2] as number)], `${tag}_add2`), p], `${tag}_mod2`);
    for (const k of [1, 0]) {
      t = op('Mod', [op('Add', [op('Mul', [t, x], `${tag}_mul${k}`), scalar(`${tag}${k}`, coef[k] as number)], `${tag}_add${k}`), p], `${tag}_mod${k}`);
    }
    return t;
  };
  const two = scalar('two', 2);
  const bucket = op('Mod', [poly(c.bucket, 'a'), scalar('buckets', buckets)], 'bucket');
  const negative = op('Mod', [poly(c.sign, 'b'), two], 'negative');
  const signed = op('Add', [op('Mul', [bucket, two], 'bucket2'), negative], 'signed');
  const index = b.op('Reshape', [signed, b.constInt64([...dims], [dims.length], `${prefix}/dims`)], {}, { name: `${prefix}/index` });
  index.dtype = 'int64';
  index.shape = [...dims];
  return index;
}
