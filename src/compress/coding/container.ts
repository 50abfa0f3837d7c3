/**
 * pack / unpack: the Deep Compression container (spec: FORMAT.md). Weights of Conv / Gemm / MatMul
 * layers with at most 2^maxBits distinct nonzero values are stored sparse + shared + Huffman-coded; the
 * rest of the model (graph, biases, BatchNorm, other weights) stays an ONNX model inside the container,
 * the compressed initializers replaced by placeholders that record their dims. The frame (frame.ts) adds a
 * format version, a CRC-32 per section and one for the whole file; unpack (unpack.ts) verifies all of it.
 */
import type { Model } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { encodeModel } from '../../onnx/index.js';
import { prunableWeights } from '../pruning/common/prunable.js';
import { ByteWriter } from './bits.js';
import { writeFrame } from './frame.js';
import { codebookOf, writeLayer, type LayerSizes } from './layer-codec.js';
import { placeholderFor } from './placeholder.js';
import { unpack } from './unpack.js';

export { MAGIC, VERSION } from './frame.js';
export { defaultUnpackLimit, unpack, type UnpackOptions } from './unpack.js';

/** Options of `pack` / `packWithReport`. */
export interface PackOptions {
  /** Gap (relative index) bits: one number, or per layer kind (default the paper's { conv: 8, fc: 4 }). */
  readonly gapBits?: number | { readonly conv?: number; readonly fc?: number };
  /** Largest codebook (2^maxBits distinct values, default 8 bits): layers with more stay raw ONNX. */
  readonly maxBits?: number;
}

/** One compressed layer of a PackReport. */
export interface LayerRow extends LayerSizes {
  readonly name: string;
  readonly kind: 'conv' | 'fc';
  /** Dense float32 bytes of the layer. */
  readonly denseBytes: number;
  /** denseBytes / totalBytes. */
  readonly ratio: number;
}

/** Sizes of a packed model: per layer, the embedded ONNX model and the whole container. */
export interface PackReport {
  readonly layers: readonly LayerRow[];
  /** Every float tensor of the model at float32 (the dense baseline). */
  readonly denseBytes: number;
  /** The embedded ONNX model (graph + raw tensors). */
  readonly onnxBytes: number;
  readonly totalBytes: number;
  readonly ratio: number;
}

/** The container bytes and their size report. */
export interface PackResult {
  readonly bytes: Uint8Array;
  readonly report: PackReport;
}

function dims32(t: Tensor): number[] {
  return [...t.dims];
}

/** Packs a model (typically pruned and k-means shared) into the container. */
export function packWithReport(model: Model, opts: PackOptions = {}): PackResult {
  const maxBits = opts.maxBits ?? 8;
  const m = model.clone();
  const gap = (kind: 'conv' | 'fc'): number => (typeof opts.gapBits === 'number' ? opts.gapBits : (opts.gapBits?.[kind] ?? (kind === 'conv' ? 8 : 4)));
  const denseBytes = [...m.graph.initializers.values()].reduce((s, v) => s + (v.initializer !== undefined && v.initializer.dtype.startsWith('float') ? v.initializer.size * 4 : 0), 0);
  const sections: Uint8Array[] = [];
  const rows: LayerRow[] = [];
  for (const w of prunableWeights(m)) {
    const data = w.tensor.data as Float32Array;
    const cb = codebookOf(data, 2 ** maxBits);
    if (cb === undefined) continue;
    const body = new ByteWriter();
    body.string(w.name);
    const dims = dims32(w.tensor);
    body.u8(dims.length);
    for (const d of dims) body.u32(d);
    const s = writeLayer(body, data, cb, gap(w.kind));
    sections.push(body.finish());
    rows.push({ ...s, name: w.name, kind: w.kind, denseBytes: data.length * 4, ratio: (data.length * 4) / s.totalBytes });
    w.value.initializer = placeholderFor(dims);
  }
  const onnx = encodeModel(m);
  const bytes = writeFrame(onnx, sections);
  return { bytes, report: { layers: rows, denseBytes, onnxBytes: onnx.length, totalBytes: bytes.length, ratio: denseBytes / bytes.length } };
}

/** Packs a model into the container (packWithReport without the report). */
export function pack(model: Model, opts: PackOptions = {}): Uint8Array {
  return packWithReport(model, opts).bytes;
}

/**
 * Names of initializers whose bytes differ between `model` and `unpack(bytes)` (empty: bit-exact). `bytes` are
 * the caller's own, just packed, so no decoded-size limit applies.
 */
export function roundTripMismatches(model: Model, bytes: Uint8Array): string[] {
  const back = unpack(bytes, { maxUnpackedBytes: Infinity });
  const bad: string[] = [];
  const raw = (t: Tensor | undefined): Uint8Array | undefined => {
    if (t === undefined) return undefined;
    if (!ArrayBuffer.isView(t.data)) return new TextEncoder().encode(JSON.stringify([t.dims, t.data]));
    return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  };
  for (const [name, v] of model.graph.initializers) {
    const a = raw(v.initializer);
    const b = raw(back.graph.initializers.get(name)?.initializer);
    if (a === undefined || b === undefined || a.length !== b.length || a.some((x, i) => x !== b[i])) bad.push(name);
  }
  for (const name of back.graph.initializers.keys()) if (!model.graph.initializers.has(name)) bad.push(name);
  return bad;
}
