/**
 * Canonical Huffman coding. Code lengths come from the classic two-smallest merge on a binary heap;
 * codes are then assigned canonically (by length, then symbol) so only the lengths need storing.
 * `maxLength` limits code lengths (JPEG Annex K.3 style rebalancing of the length histogram).
 */
import { SlimnetError } from '../../ir/errors.js';
import type { BitReader, BitWriter } from './bits.js';

/** Min-heap of [weight, tiebreak, node] entries. */
class Heap {
  private readonly items: Array<[number, number, number]> = [];
  get size(): number {
    return this.items.length;
  }
  private less(a: [number, number, number], b: [number, number, number]): boolean {
    return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  }
  push(x: [number, number, number]): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): [number, number, number] {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** Optimal (or length-limited) code lengths; unused symbols get 0, a lone used symbol gets 1. */
export function codeLengths(freqs: ArrayLike<number>, maxLength = 32): Uint8Array {
  const n = freqs.length;
  const lengths = new Uint8Array(n);
  const used: number[] = [];
  for (let s = 0; s < n; s++) if ((freqs[s] as number) > 0) used.push(s);
  if (used.length === 0) return lengths;
  if (used.length === 1) {
    lengths[used[0]!] = 1;
    return lengths;
  }
  if (2 ** maxLength < used.length) throw new SlimnetError('INVALID_ARGUMENT', `${used.length} symbols cannot fit codes of at most ${maxLength} bits`);
  // Nodes 0..n-1 are leaves; internal nodes get ids from n upwards; parent[] links them.
  const parent: number[] = new Array<number>(n).fill(-1);
  const heap = new Heap();
  let tiebreak = 0;
  for (const s of used) heap.push([freqs[s] as number, tiebreak++, s]);
  let next = n;
  while (heap.size > 1) {
    const a = heap.pop();
    const b = heap.pop();
    parent[a[2]] = next;
    parent[b[2]] = next;
    parent.push(-1);
    heap.push([a[0] + b[0], tiebreak++, next++]);
  }
  const depth = new Map<number, number>();
  const depthOf = (node: number): number => {
    const p = parent[node] as number;
    if (p < 0) return 0;
    const cached = depth.get(node);
    if (cached !== undefined) return cached;
    const d = depthOf(p) + 1;
    depth.set(node, d);
    return d;
  };
  for (const s of used) lengths[s] = depthOf(s);
  return limitLengths(lengths, freqs, maxLength);
}

/** Rebalances lengths above `max` (Kraft sum kept at 1), giving the shortest codes to the most frequent symbols. */
function limitLengths(lengths: Uint8Array, freqs: ArrayLike<number>, max: number): Uint8Array {
  let longest = 0;
  for (const l of lengths) longest = Math.max(longest, l);
  if (longest <= max) return lengths;
  const count = new Array<number>(longest + 1).fill(0);
  for (const l of lengths) if (l > 0) count[l]!++;
  for (let i = longest; i > max; i--) {
    while (count[i]! > 0) {
      let j = i - 2;
      while (count[j] === 0) j--;
      count[i]! -= 2;
      count[i - 1]!++;
      count[j + 1]! += 2;
      count[j]!--;
    }
  }
  const symbols = [...lengths.keys()].filter((s) => lengths[s]! > 0).sort((a, b) => (freqs[b] as number) - (freqs[a] as number) || a - b);
  const out = new Uint8Array(lengths.length);
  let k = 0;
  for (let l = 1; l <= max; l++) for (let c = 0; c < count[l]!; c++) out[symbols[k++]!] = l;
  return out;
}

/** Canonical codes for the given lengths (codes[s] holds lengths[s] bits). */
export function canonicalCodes(lengths: ArrayLike<number>): Uint32Array {
  const order = Array.from({ length: lengths.length }, (_, s) => s)
    .filter((s) => (lengths[s] as number) > 0)
    .sort((a, b) => (lengths[a] as number) - (lengths[b] as number) || a - b);
  const codes = new Uint32Array(lengths.length);
  let code = 0;
  let prevLen = 0;
  for (const s of order) {
    const l = lengths[s] as number;
    code = code * 2 ** (l - prevLen);
    codes[s] = code;
    code++;
    prevLen = l;
  }
  return codes;
}

/** Encoder over a fixed alphabet. */
export function encodeSymbols(symbols: ArrayLike<number>, lengths: ArrayLike<number>, w: BitWriter): void {
  const codes = canonicalCodes(lengths);
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i] as number;
    const l = lengths[s] as number;
    if (l === undefined || l === 0) throw new SlimnetError('INVALID_ARGUMENT', `symbol ${s} has no Huffman code`);
    w.write(codes[s] as number, l);
  }
}

/**
 * Why `lengths` cannot be the code table of a stream of `count` symbols as `codeLengths` writes it, or undefined
 * when it can. A valid table is a complete prefix code (Kraft sum exactly 1) with no length above `maxLength`, or
 * a single 1-bit code; it is empty exactly when no symbol is coded.
 */
export function codeLengthProblem(lengths: ArrayLike<number>, count: number, maxLength: number): string | undefined {
  const full = 2 ** maxLength;
  let used = 0;
  let kraft = 0; // sum of 2^-length, in units of 2^-maxLength
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s] as number;
    if (l === 0) continue;
    if (l > maxLength) return `symbol ${s} has a ${l}-bit code (at most ${maxLength} bits)`;
    used++;
    kraft += 2 ** (maxLength - l);
    if (kraft > full) return 'the code lengths over-subscribe the code space (Kraft sum above 1): not a prefix code';
  }
  if (count === 0) return used === 0 ? undefined : `${used} symbol(s) have codes but the stream codes no symbol`;
  if (used === 0) return `the stream codes ${count} symbol(s) but no symbol has a code`;
  if (used === 1) return kraft === full / 2 ? undefined : 'a lone code must be 1 bit long';
  return kraft === full ? undefined : `the code lengths are incomplete (Kraft sum ${kraft / full}, expected 1)`;
}

/** Canonical Huffman decoder for one code table (first code and symbol offset per length). */
export class HuffmanDecoder {
  private readonly perLen: number[];
  private readonly sorted: number[];
  private readonly max: number;
  /** Shortest code length (0 when no symbol has a code): every decoded symbol takes at least this many bits. */
  readonly minLength: number;

  constructor(lengths: ArrayLike<number>) {
    let max = 0;
    let min = 0;
    for (let s = 0; s < lengths.length; s++) {
      const l = lengths[s] as number;
      max = Math.max(max, l);
      if (l > 0 && (min === 0 || l < min)) min = l;
    }
    this.max = max;
    this.minLength = min;
    this.perLen = new Array<number>(max + 1).fill(0);
    for (let s = 0; s < lengths.length; s++) if ((lengths[s] as number) > 0) this.perLen[lengths[s] as number]!++;
    this.sorted = Array.from({ length: lengths.length }, (_, s) => s)
      .filter((s) => (lengths[s] as number) > 0)
      .sort((a, b) => (lengths[a] as number) - (lengths[b] as number) || a - b);
  }

  /** The next symbol of `r` (throws a SlimnetError on a bit pattern that is no code, or at the stream end). */
  next(r: BitReader): number {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let l = 1; l <= this.max; l++) {
      code = code * 2 + r.bit();
      const c = this.perLen[l]!;
      if (code - first < c) return this.sorted[index + code - first]!;
      index += c;
      first = (first + c) * 2;
    }
    throw new SlimnetError('ONNX_DECODE', 'invalid Huffman code in compressed stream');
  }
}

/**
 * Decodes `count` symbols. Refuses, before allocating anything, a count the stream cannot hold (each symbol
 * takes at least the shortest code length in bits).
 */
export function decodeSymbols(count: number, lengths: ArrayLike<number>, r: BitReader): Int32Array {
  const d = new HuffmanDecoder(lengths);
  if (count > 0 && d.minLength === 0) {
    throw new SlimnetError('ONNX_DECODE', `${count} symbols to decode but no symbol has a code`);
  }
  if (count * d.minLength > r.bitsLeft) {
    throw new SlimnetError('ONNX_DECODE',
      `${count} symbols of at least ${d.minLength} bit(s) each cannot fit a stream of ${r.bitsLeft} bits`);
  }
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = d.next(r);
  return out;
}

/** Total coded bits of `freqs` under `lengths`. */
export function codedBits(freqs: ArrayLike<number>, lengths: ArrayLike<number>): number {
  let bits = 0;
  for (let s = 0; s < freqs.length; s++) bits += (freqs[s] as number) * (lengths[s] as number);
  return bits;
}
