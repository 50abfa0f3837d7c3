/**
 * One compressed layer of the container: codebook of the distinct nonzero float32 bit patterns, Huffman-
 * coded cluster indices of the nonzeros, Huffman-coded relative indices (gaps with fillers). Zeros are
 * +0.0 only; -0.0 is a value like any other, so decoding is bit-exact.
 */
import { SlimnetError } from '../../ir/errors.js';
import { BitReader, BitWriter, type ByteReader, type ByteWriter } from './bits.js';
import { codeLengths, decodeSymbols, encodeSymbols } from './huffman.js';
import { decodeRelative, encodeRelative } from './relative-index.js';

/** Longest Huffman code written (length-limited above it). */
export const MAX_CODE_LENGTH = 24;

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

export function readLayer(r: ByteReader, size: number): Float32Array {
  const gapBits = r.u8();
  const k = r.u32();
  const codebook = new Uint32Array(k);
  for (let i = 0; i < k; i++) codebook[i] = r.u32();
  const nonzero = r.u32();
  const entries = r.u32();
  const idxLen = r.bytes(k);
  // Gap width 0: a layer without zeros, stored without relative indices.
  const gapLen = gapBits === 0 ? new Uint8Array(0) : r.bytes(2 ** gapBits);
  const clusters = decodeSymbols(nonzero, idxLen, new BitReader(r.block()));
  const positions = gapBits === 0
    ? Int32Array.from({ length: size }, (_, i) => i)
    : decodeRelative(decodeSymbols(entries, gapLen, new BitReader(r.block())), gapBits, size);
  if (positions.length !== nonzero) throw new SlimnetError('ONNX_DECODE', `layer has ${positions.length} positions for ${nonzero} weights`);
  const raw = new Uint32Array(size);
  positions.forEach((p, i) => {
    const c = clusters[i] as number;
    if (c >= k) throw new SlimnetError('ONNX_DECODE', `cluster index ${c} outside a codebook of ${k}`);
    raw[p] = codebook[c] as number;
  });
  return new Float32Array(raw.buffer);
}
