/**
 * The packed HashedNets form (`.slhn`, spec in FORMAT.md): the model's graph without the hashed weights
 * (an ONNX block where each hashed weight is an empty placeholder), then per layer only its shape, bucket
 * count, seed, hash coefficients and float32 buckets. `unpackHashed` re-applies the same rewrite, giving
 * back the hashed ONNX model (same graph, bit-identical buckets).
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { decodeModel, encodeModel } from '../../../onnx/index.js';
import { eliminateDeadCode } from '../../../passes/dead-code.js';
import { ByteReader, ByteWriter } from '../../coding/bits.js';
import { applyHashing, HASHED_METADATA_KEY, readBuckets, readHashedLayers, type HashedLayer } from './layers.js';

/** The 4-byte magic opening a packed HashedNets file ('SLHN'). */
export const HASHED_MAGIC = 'SLHN';
/** Version of the packed HashedNets format written by `packHashed`. */
export const HASHED_VERSION = 1;

/** Sizes in bytes of a packed HashedNets file: the ONNX skeleton, the float32 buckets and the total. */
export interface HashedPackReport {
  readonly layers: number;
  /** The embedded ONNX skeleton (graph, biases, unhashed layers). */
  readonly onnxBytes: number;
  /** Bucket values of all layers, float32. */
  readonly bucketBytes: number;
  readonly totalBytes: number;
}

/** The hashed model without its generators: each hashed weight back as an empty float32 placeholder. */
export function hashedSkeleton(model: Model, layers: readonly HashedLayer[]): Model {
  const m = model.clone();
  const g = m.graph;
  for (const l of layers) {
    const node = g.findNode(l.node);
    const slot = node?.inputs.findIndex((v) => v?.producer?.name === `${l.node}/hash/weight`) ?? -1;
    if (node === undefined || slot < 0) throw new SlimnetError('INVALID_ARGUMENT', `hashed layer '${l.node}' has no generated weight in the model`);
    node.setInput(slot, g.addInitializer(l.weight, new Tensor('float32', [0])));
  }
  eliminateDeadCode(m);
  m.metadataProps.delete(HASHED_METADATA_KEY);
  return m;
}

/** Like `packHashed`, also returning the sizes of the parts. */
export function packHashedWithReport(model: Model): { bytes: Uint8Array; report: HashedPackReport } {
  const layers = readHashedLayers(model);
  if (layers.length === 0) throw new SlimnetError('INVALID_ARGUMENT', `model has no hashed layers (metadata '${HASHED_METADATA_KEY}' missing)`);
  const onnx = encodeModel(hashedSkeleton(model, layers));
  const w = new ByteWriter();
  w.bytes(new TextEncoder().encode(HASHED_MAGIC));
  w.u8(HASHED_VERSION);
  w.block(onnx);
  w.u32(layers.length);
  let bucketBytes = 0;
  for (const l of layers) {
    w.string(l.node);
    w.string(l.weight);
    w.u32(l.dims[0]);
    w.u32(l.dims[1]);
    w.u32(l.buckets);
    w.u32(l.seed);
    for (const c of [...l.coefficients.bucket, ...l.coefficients.sign]) w.u32(c);
    w.u8(l.index === 'stored' ? 1 : 0);
    const values = readBuckets(model, l);
    for (const bits of new Uint32Array(values.buffer, values.byteOffset, values.length)) w.f32bits(bits);
    bucketBytes += values.byteLength;
  }
  const bytes = w.finish();
  return { bytes, report: { layers: layers.length, onnxBytes: onnx.length, bucketBytes, totalBytes: bytes.length } };
}

/**
 * Packs a HashedNets model: the ONNX skeleton without hashed weights plus each layer's float32 buckets (index tensors
 * are recomputed from the hash).
 */
export function packHashed(model: Model): Uint8Array {
  return packHashedWithReport(model).bytes;
}

/**
 * Reads a file written by `packHashed` back into a runnable ONNX model; throws ONNX_DECODE on a bad magic or version.
 */
export function unpackHashed(bytes: Uint8Array): Model {
  const r = new ByteReader(bytes);
  if (bytes.length < 5 || new TextDecoder().decode(r.bytes(4)) !== HASHED_MAGIC) throw new SlimnetError('ONNX_DECODE', `not a slimnet HashedNets file (magic ${HASHED_MAGIC} missing)`);
  const version = r.u8();
  if (version !== HASHED_VERSION) throw new SlimnetError('ONNX_DECODE', `HashedNets file version ${version} is not supported (expected ${HASHED_VERSION})`);
  const base = decodeModel(r.block());
  const count = r.u32();
  const layers: HashedLayer[] = [];
  const buckets = new Map<string, Float32Array>();
  for (let i = 0; i < count; i++) {
    const node = r.string();
    const weight = r.string();
    const dims: [number, number] = [r.u32(), r.u32()];
    const k = r.u32();
    const seed = r.u32();
    const c = Array.from({ length: 8 }, () => r.u32());
    const index = r.u8() === 1 ? 'stored' : 'hash';
    const bits = Uint32Array.from({ length: k }, () => r.u32());
    buckets.set(weight, new Float32Array(bits.buffer));
    layers.push({ node, weight, dims, buckets: k, seed, coefficients: { bucket: c.slice(0, 4), sign: c.slice(4) }, bucketName: `${weight}__hash_buckets`, index });
  }
  if (!r.done) throw new SlimnetError('ONNX_DECODE', 'trailing bytes after the last hashed layer');
  return applyHashing(base, layers, buckets);
}
