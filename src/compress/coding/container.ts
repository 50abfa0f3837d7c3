/**
 * pack / unpack: the Deep Compression container (spec: FORMAT.md). Weights of Conv / Gemm / MatMul
 * layers with at most 2^maxBits distinct nonzero values are stored sparse + shared + Huffman-coded; the
 * rest of the model (graph, biases, BatchNorm, other weights) stays an ONNX model inside the container,
 * the compressed initializers replaced by empty placeholders.
 */
import { SlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { decodeModel, encodeModel } from '../../onnx/index.js';
import { cloneModel } from '../../train/graph-edit.js';
import { prunableWeights } from '../pruning/common/prunable.js';
import { ByteReader, ByteWriter } from './bits.js';
import { codebookOf, readLayer, writeLayer, type LayerSizes } from './layer-codec.js';

export const MAGIC = 'SLDC';
/** Version written; version 1 (no dense-layer form) is still read. */
export const VERSION = 2;

export interface PackOptions {
  /** Gap (relative index) bits: one number, or per layer kind (default the paper's { conv: 8, fc: 4 }). */
  readonly gapBits?: number | { readonly conv?: number; readonly fc?: number };
  /** Largest codebook (2^maxBits distinct values, default 8 bits): layers with more stay raw ONNX. */
  readonly maxBits?: number;
}

export interface LayerRow extends LayerSizes {
  readonly name: string;
  readonly kind: 'conv' | 'fc';
  /** Dense float32 bytes of the layer. */
  readonly denseBytes: number;
  /** denseBytes / totalBytes. */
  readonly ratio: number;
}

export interface PackReport {
  readonly layers: readonly LayerRow[];
  /** Every float tensor of the model at float32 (the dense baseline). */
  readonly denseBytes: number;
  /** The embedded ONNX model (graph + raw tensors). */
  readonly onnxBytes: number;
  readonly totalBytes: number;
  readonly ratio: number;
}

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
  const m = cloneModel(model);
  const gap = (kind: 'conv' | 'fc'): number => (typeof opts.gapBits === 'number' ? opts.gapBits : (opts.gapBits?.[kind] ?? (kind === 'conv' ? 8 : 4)));
  const denseBytes = [...m.graph.initializers.values()].reduce((s, v) => s + (v.initializer !== undefined && v.initializer.dtype.startsWith('float') ? v.initializer.size * 4 : 0), 0);
  const body = new ByteWriter();
  const rows: LayerRow[] = [];
  for (const w of prunableWeights(m)) {
    const data = w.tensor.data as Float32Array;
    const cb = codebookOf(data, 2 ** maxBits);
    if (cb === undefined) continue;
    body.string(w.name);
    const dims = dims32(w.tensor);
    body.u8(dims.length);
    for (const d of dims) body.u32(d);
    const s = writeLayer(body, data, cb, gap(w.kind));
    rows.push({ ...s, name: w.name, kind: w.kind, denseBytes: data.length * 4, ratio: (data.length * 4) / s.totalBytes });
    w.value.initializer = new Tensor('float32', [0]);
  }
  const onnx = encodeModel(m);
  const out = new ByteWriter();
  out.bytes(new TextEncoder().encode(MAGIC));
  out.u8(VERSION);
  out.block(onnx);
  out.u32(rows.length);
  out.bytes(body.finish());
  const bytes = out.finish();
  return { bytes, report: { layers: rows, denseBytes, onnxBytes: onnx.length, totalBytes: bytes.length, ratio: denseBytes / bytes.length } };
}

export function pack(model: Model, opts: PackOptions = {}): Uint8Array {
  return packWithReport(model, opts).bytes;
}

/** Rebuilds the ONNX model from a container. */
export function unpack(bytes: Uint8Array): Model {
  const r = new ByteReader(bytes);
  if (new TextDecoder().decode(r.bytes(4)) !== MAGIC) throw new SlimnetError('ONNX_DECODE', `not a slimnet Deep Compression container (magic ${MAGIC} missing)`);
  const version = r.u8();
  if (version !== 1 && version !== VERSION) throw new SlimnetError('ONNX_DECODE', `container version ${version} is not supported (expected 1 or ${VERSION})`);
  const model = decodeModel(r.block());
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const name = r.string();
    const rank = r.u8();
    const dims: number[] = [];
    for (let d = 0; d < rank; d++) dims.push(r.u32());
    const v = model.graph.initializers.get(name);
    if (v === undefined) throw new SlimnetError('ONNX_DECODE', `container layer '${name}' is not an initializer of the embedded model`);
    const t = new Tensor('float32', dims, readLayer(r, dims.reduce((a, b) => a * b, 1)));
    v.initializer = t;
    v.shape = dims;
  }
  if (!r.done) throw new SlimnetError('ONNX_DECODE', 'trailing bytes after the last container layer');
  return model;
}

/** Names of initializers whose bytes differ between `model` and `unpack(bytes)` (empty: bit-exact). */
export function roundTripMismatches(model: Model, bytes: Uint8Array): string[] {
  const back = unpack(bytes);
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
