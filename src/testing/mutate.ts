/**
 * Seeded byte-level mutations of any file, for robustness tests and benchmarks: bit flips, byte overwrites,
 * truncations, insertions, deletions and edits of u32 length fields (little-endian). Deterministic for a seed;
 * every mutant differs from its input.
 */
import { Rng } from '../util/rng.js';

/** The ways a mutant can differ from its input. */
export type MutationKind = 'bit-flip' | 'byte-overwrite' | 'truncate' | 'insert' | 'delete' | 'length-field';

/** Every MutationKind, in the order `mutate` draws them. */
export const MUTATION_KINDS: readonly MutationKind[] = [
  'bit-flip', 'byte-overwrite', 'truncate', 'insert', 'delete', 'length-field',
];

/** A mutated copy of a file and how it was made. */
export interface Mutant {
  readonly bytes: Uint8Array;
  readonly kind: MutationKind;
  /** First byte changed (for truncate: the new length; for insert / delete: where). */
  readonly offset: number;
  /** E.g. "bit-flip: bit 3 of byte 120". */
  readonly description: string;
}

/** Options of `mutate` / `mutants`. */
export interface MutateOptions {
  /** Offsets of u32 length or count fields for 'length-field' edits (default: any 4 bytes of the file). */
  readonly lengthFields?: readonly number[];
  /** The kinds to draw from (default MUTATION_KINDS). */
  readonly kinds?: readonly MutationKind[];
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => rng.int(256));
}

function bitFlip(b: Uint8Array, rng: Rng): Mutant {
  const out = Uint8Array.from(b);
  const at = rng.int(b.length);
  const bit = rng.int(8);
  out[at] = (out[at] as number) ^ (1 << bit);
  return { bytes: out, kind: 'bit-flip', offset: at, description: `bit-flip: bit ${bit} of byte ${at}` };
}

function overwrite(b: Uint8Array, rng: Rng): Mutant {
  const out = Uint8Array.from(b);
  const at = rng.int(b.length);
  const n = Math.min(1 + rng.int(8), b.length - at);
  out.set(randomBytes(rng, n), at);
  if (out[at] === b[at]) out[at] = (b[at] as number) ^ (1 + rng.int(255));
  return { bytes: out, kind: 'byte-overwrite', offset: at, description: `byte-overwrite: ${n} byte(s) at ${at}` };
}

function truncate(b: Uint8Array, rng: Rng): Mutant {
  const n = rng.next() < 0.5 ? b.length - 1 - rng.int(Math.min(16, b.length)) : rng.int(b.length);
  return { bytes: b.slice(0, n), kind: 'truncate', offset: n, description: `truncate: ${b.length} -> ${n} bytes` };
}

function insert(b: Uint8Array, rng: Rng): Mutant {
  const at = rng.int(b.length + 1);
  const extra = randomBytes(rng, 1 + rng.int(16));
  const out = new Uint8Array(b.length + extra.length);
  out.set(b.subarray(0, at));
  out.set(extra, at);
  out.set(b.subarray(at), at + extra.length);
  return { bytes: out, kind: 'insert', offset: at, description: `insert: ${extra.length} byte(s) at ${at}` };
}

function remove(b: Uint8Array, rng: Rng): Mutant {
  const at = rng.int(b.length);
  const n = Math.min(1 + rng.int(16), b.length - at);
  const out = new Uint8Array(b.length - n);
  out.set(b.subarray(0, at));
  out.set(b.subarray(at + n), at);
  return { bytes: out, kind: 'delete', offset: at, description: `delete: ${n} byte(s) at ${at}` };
}

/** A new value for a u32 field holding `old` in a file of `size` bytes: boundary values, off-by-ones, big ones. */
function lengthValue(old: number, size: number, rng: Rng): number {
  const choices = [
    0, 1, old + 1, old - 1, old * 2, old >>> 1, size, size + 1,
    0x7fffffff, 0x80000000, 0xffffffff, 2 ** 30, rng.int(2 ** 32),
  ];
  const v = (choices[rng.int(choices.length)] as number) >>> 0;
  return v === old ? (old ^ 1) >>> 0 : v;
}

function lengthField(b: Uint8Array, rng: Rng, fields: readonly number[] | undefined): Mutant {
  const usable = (fields ?? []).filter((f) => f >= 0 && f + 4 <= b.length);
  const at = usable.length > 0 ? (usable[rng.int(usable.length)] as number) : rng.int(b.length - 3);
  const out = Uint8Array.from(b);
  const view = new DataView(out.buffer);
  const old = view.getUint32(at, true);
  const v = lengthValue(old, b.length, rng);
  view.setUint32(at, v, true);
  return { bytes: out, kind: 'length-field', offset: at, description: `length-field: u32 at ${at} ${old} -> ${v}` };
}

/** One mutant of `bytes` (never equal to it), its kind drawn uniformly from `opts.kinds`. */
export function mutate(bytes: Uint8Array, rng: Rng, opts: MutateOptions = {}): Mutant {
  const kinds = opts.kinds ?? MUTATION_KINDS;
  let kind = kinds[rng.int(kinds.length)] ?? 'bit-flip';
  if (bytes.length === 0) kind = 'insert';
  else if (kind === 'length-field' && bytes.length < 4) kind = 'bit-flip';
  switch (kind) {
    case 'bit-flip': return bitFlip(bytes, rng);
    case 'byte-overwrite': return overwrite(bytes, rng);
    case 'truncate': return truncate(bytes, rng);
    case 'insert': return insert(bytes, rng);
    case 'delete': return remove(bytes, rng);
    case 'length-field': return lengthField(bytes, rng, opts.lengthFields);
  }
}

/** `count` mutants of `bytes`, the same ones for the same seed. */
export function* mutants(bytes: Uint8Array, count: number, seed: number, opts: MutateOptions = {}): Generator<Mutant> {
  const rng = new Rng(seed);
  for (let i = 0; i < count; i++) yield mutate(bytes, rng, opts);
}
