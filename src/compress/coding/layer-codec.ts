/**
 * One compressed layer of the container: codebook of the distinct nonzero float32 bit patterns, Huffman-
 * coded cluster indices of the nonzeros, Huffman-coded relative indices (gaps with fillers). Zeros are
 * +0.0 only; -0.0 is a value like any other, so decoding is bit-exact.
 */
import { SlimnetError } from '../../ir/errors.js';
import { BitReader, BitWriter, type ByteReader, type ByteWriter } from './bits.js';
import { codeLengthProblem, codeLengths, decodeSymbols, encodeSymbols } from './huffman.js';
import { decodeRelative, encodeRelative } from './relative-index.js';

/** Longest Huffman code written (length-limited above it). */
export const MAX_CODE_LENGTH = 24;

/** What one layer takes in the container, stream by stream (the size table's row). */
export interface LayerSizes {
  readonly params: number;
  readonly nonzero: number;
  /** Index (codebook) bits per weight before Huffman: ceil(log2(codebook size)). */
  readonly bits: number;
  readonly gapBits: number;
  readonly fillers: number;
  /** Huffman-coded cluster-index stream, bits. */
  readonly weightBits: number;
  /** Huffman-coded relative-index stream, bits. */
  readonly indexBits: number;
  /** The same streams at fixed width (nonzero × bits, gaps × gapBits). */
  readonly fixedWeightBits: number;
  readonly fixedIndexBits: number;
  readonly codebookBytes: number;
  /** Everything the layer takes in the container (header, code tables, codebook, streams). */
  readonly totalBytes: number;
}

const bitsOfF32 = new Uint32Array(1);
const f32OfBits = new Float32Array(bitsOfF32.buffer);

/** The distinct nonzero bit patterns of `data` (sorted by value), or undefined if more than `max`. */
export function codebookOf(data: Float32Array, max: number): Uint32Array | undefined {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const set = new Set<number>();
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i] as number;
    if (b === 0) continue;
    set.add(b);
    if (set.size > max) return undefined;
  }
  const value = (b: number): number => {
    bitsOfF32[0] = b;
    return f32OfBits[0] as number;
  };
  return Uint32Array.from([...set].sort((a, b) => value(a) - value(b) || a - b));
}

/**
 * Writes one layer record (FORMAT.md) of `data` with the given codebook (from codebookOf) and gap width; a layer
 * without zeros is written without relative indices (gap width 0). Returns its sizes.
 */
export function writeLayer(out: ByteWriter, data: Float32Array, codebook: Uint32Array, gapBits: number): LayerSizes {
  const k = codebook.length;
  const bits = Math.max(1, Math.ceil(Math.log2(Math.max(2, k))));
  const raw = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const pos = new Map<number, number>();
  codebook.forEach((b, i) => pos.set(b, i));
  let dense = true;
  for (let i = 0; i < raw.length && dense; i++) dense = raw[i] !== 0;
  // A layer without zeros needs no relative indices: gap width 0 marks it (no gap table, no gap stream).
  const rel = dense ? { gaps: new Uint32Array(0), fillers: 0 } : encodeRelative(data.length, (i) => raw[i] !== 0, gapBits);
  const width = dense ? 0 : gapBits;
  const clusters = new Uint32Array(dense ? raw.length : rel.gaps.length - rel.fillers);
  let n = 0;
  for (let i = 0; i < raw.length; i++) if (raw[i] !== 0) clusters[n++] = pos.get(raw[i] as number) as number;
  const histogram = (syms: Uint32Array, size: number): Float64Array => {
    const f = new Float64Array(size);
    for (const s of syms) f[s] = (f[s] as number) + 1;
    return f;
  };
  const idxLen = codeLengths(histogram(clusters, k), MAX_CODE_LENGTH);
  const gapLen = dense ? new Uint8Array(0) : codeLengths(histogram(rel.gaps, 2 ** gapBits), MAX_CODE_LENGTH);
  const wIdx = new BitWriter();
  encodeSymbols(clusters, idxLen, wIdx);
  const wGap = new BitWriter();
  encodeSymbols(rel.gaps, gapLen, wGap);
  const start = out.length;
  out.u8(width);
  out.u32(k);
  for (const b of codebook) out.f32bits(b);
  out.u32(clusters.length);
  out.u32(rel.gaps.length);
  out.bytes(idxLen);
  out.bytes(gapLen);
  out.block(wIdx.finish());
  if (!dense) out.block(wGap.finish());
  return {
    params: data.length, nonzero: clusters.length, bits, gapBits: width, fillers: rel.fillers,
    weightBits: wIdx.length, indexBits: wGap.length,
    fixedWeightBits: clusters.length * bits, fixedIndexBits: rel.gaps.length * width,
    codebookBytes: 4 * k, totalBytes: out.length - start,
  };
}

/** The fields of a layer record (FORMAT.md) before its bit streams are decoded. */
interface LayerRecord {
  readonly gapBits: number;
  readonly codebook: Uint32Array;
  readonly nonzero: number;
  readonly entries: number;
  readonly idxLen: Uint8Array;
  readonly gapLen: Uint8Array;
  readonly weights: Uint8Array;
  readonly gaps: Uint8Array;
}

/** Widest relative index a record may declare (encodeRelative's limit). */
export const MAX_GAP_BITS = 16;

const EMPTY = new Uint8Array(0);

function corrupt(message: string): SlimnetError {
  return new SlimnetError('CONTAINER_CORRUPT', message);
}

/** Reads the record's fields; every length is checked against the bytes left before anything is allocated. */
function readRecord(r: ByteReader): LayerRecord {
  const gapBits = r.u8();
  if (gapBits > MAX_GAP_BITS) throw corrupt(`gap width ${gapBits} is outside [0, ${MAX_GAP_BITS}]`);
  const k = r.u32();
  if (4 * k > r.remaining) throw corrupt(`a codebook of ${k} values needs ${4 * k} bytes but ${r.remaining} are left`);
  const cb = r.bytes(4 * k);
  const view = new DataView(cb.buffer, cb.byteOffset, cb.byteLength);
  const codebook = new Uint32Array(k);
  for (let i = 0; i < k; i++) codebook[i] = view.getUint32(4 * i, true);
  const nonzero = r.u32();
  const entries = r.u32();
  const idxLen = r.bytes(k);
  const gapLen = gapBits === 0 ? EMPTY : r.bytes(2 ** gapBits);
  const weights = r.block();
  const gaps = gapBits === 0 ? EMPTY : r.block();
  return { gapBits, codebook, nonzero, entries, idxLen, gapLen, weights, gaps };
}

/** Throws unless `count` symbols coded with `lengths` can be exactly `bytes` long (MSB-first, padded to a byte). */
function checkStreamLength(what: string, bytes: Uint8Array, count: number, lengths: Uint8Array): void {
  let min = 0;
  let max = 0;
  for (const l of lengths) {
    if (l > 0 && (min === 0 || l < min)) min = l;
    max = Math.max(max, l);
  }
  const lo = Math.ceil((count * min) / 8);
  const hi = Math.ceil((count * max) / 8);
  if (bytes.length < lo || bytes.length > hi) {
    throw corrupt(`the ${what} stream is ${bytes.length} bytes; ${count} symbol(s) of ${min}..${max} bits `
      + `need ${lo}..${hi}`);
  }
}

/** The codebook holds distinct nonzero bit patterns, each used by at least one stored weight. */
function checkCodebook(rec: LayerRecord): void {
  const k = rec.codebook.length;
  if (k > rec.nonzero) {
    throw corrupt(`a codebook of ${k} values for ${rec.nonzero} stored weights (each value is used)`);
  }
  const seen = new Set<number>();
  for (let i = 0; i < k; i++) {
    const b = rec.codebook[i] as number;
    if (b === 0) throw corrupt(`codebook value ${i} is +0.0, the pruned value, which is never stored`);
    if (seen.has(b)) throw corrupt(`codebook value ${i} repeats an earlier value`);
    seen.add(b);
    if (rec.idxLen[i] === 0) throw corrupt(`codebook value ${i} has no cluster-index code`);
  }
}

/** Counts, code tables and stream lengths agree with each other and with the tensor's `size`. */
function checkRecord(rec: LayerRecord, size: number): void {
  checkCodebook(rec);
  const idxProblem = codeLengthProblem(rec.idxLen, rec.nonzero, MAX_CODE_LENGTH);
  if (idxProblem !== undefined) throw corrupt(`cluster-index code table: ${idxProblem}`);
  checkStreamLength('cluster-index', rec.weights, rec.nonzero, rec.idxLen);
  if (rec.gapBits === 0) {
    if (rec.nonzero !== size || rec.entries !== 0) {
      throw corrupt(`a layer without relative indices stores all ${size} elements, not ${rec.nonzero} `
        + `(and 0 gaps, not ${rec.entries})`);
    }
    return;
  }
  if (rec.nonzero > rec.entries) {
    throw corrupt(`${rec.nonzero} stored weights need as many gaps, only ${rec.entries} are stored`);
  }
  const gapProblem = codeLengthProblem(rec.gapLen, rec.entries, MAX_CODE_LENGTH);
  if (gapProblem !== undefined) throw corrupt(`gap code table: ${gapProblem}`);
  checkStreamLength('gap', rec.gaps, rec.entries, rec.gapLen);
}

/** Decodes a bit stream of `count` symbols that must end exactly at its zero padding. */
function decodeStream(what: string, bytes: Uint8Array, count: number, lengths: Uint8Array): Int32Array {
  const r = new BitReader(bytes);
  const symbols = decodeSymbols(count, lengths, r);
  if (!r.atPaddedEnd) {
    throw corrupt(`the ${what} stream has ${r.bitsLeft} bits left after its ${count} symbols `
      + '(at most 7 zero padding bits)');
  }
  return symbols;
}

/**
 * Reads one layer record of `size` elements (FORMAT.md). Every count, code table and stream length is checked
 * first, the relative indices are decoded and checked against `size`, and only then is the tensor allocated;
 * any inconsistency is a SlimnetError ('CONTAINER_CORRUPT' here, 'ONNX_DECODE' from the bit-level readers).
 */
export function readLayer(r: ByteReader, size: number): Float32Array {
  const rec = readRecord(r);
  checkRecord(rec, size);
  // The gaps bound the tensor: with fillers for long runs, n gaps describe fewer than (n + 1) * (2^g - 1) elements.
  const positions = rec.gapBits === 0
    ? undefined
    : decodeRelative(decodeStream('gap', rec.gaps, rec.entries, rec.gapLen), rec.gapBits, size);
  if (positions !== undefined && positions.length !== rec.nonzero) {
    throw corrupt(`the gaps place ${positions.length} weights, the record stores ${rec.nonzero}`);
  }
  const clusters = decodeStream('cluster-index', rec.weights, rec.nonzero, rec.idxLen);
  const raw = new Uint32Array(size);
  for (let i = 0; i < clusters.length; i++) {
    raw[positions === undefined ? i : (positions[i] as number)] = rec.codebook[clusters[i] as number] as number;
  }
  return new Float32Array(raw.buffer);
}
