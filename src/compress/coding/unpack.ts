/**
 * unpack: a Deep Compression container back to the ONNX model. The frame's checksums are verified first; then
 * each layer section is checked against the embedded graph's placeholder (same dims) and against a size limit,
 * and decoded by readLayer, which checks every count and code table before allocating the tensor. Every failure
 * is a SlimnetError 'CONTAINER_CORRUPT' naming the section (and layer) and what was expected.
 */
import { SlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { decodeModel } from '../../onnx/index.js';
import { ByteReader } from './bits.js';
import { readFrame } from './frame.js';
import { readLayer } from './layer-codec.js';
import { placeholderDims } from './placeholder.js';

/** Options of `unpack`. */
export interface UnpackOptions {
  /**
   * Most bytes the compressed layers may decode to, all together (float32). Default `defaultUnpackLimit` of the
   * container's size; raise it for a trusted container of a very large, very sparse model.
   */
  readonly maxUnpackedBytes?: number;
}

const MiB = 2 ** 20;

/**
 * The default decoded-size limit of a container of `containerBytes`: 256 times its size, and at least 64 MiB.
 * Deep Compression reaches 35-50x; a container claiming far more is more likely a decompression bomb.
 */
export function defaultUnpackLimit(containerBytes: number): number {
  return Math.max(64 * MiB, 256 * containerBytes);
}

function corrupt(message: string, cause?: unknown): SlimnetError {
  return new SlimnetError('CONTAINER_CORRUPT', message, cause === undefined ? undefined : { cause });
}

/** Runs `f`, prefixing the message of any SlimnetError it throws with `where` (as 'CONTAINER_CORRUPT'). */
function within<T>(where: () => string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SlimnetError) throw corrupt(`${where()}: ${e.message}`, e);
    throw e;
  }
}

function decodeEmbedded(onnx: Uint8Array): Model {
  try {
    return decodeModel(onnx);
  } catch (e) {
    throw corrupt(`the embedded ONNX model does not decode: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

/** `name` cut to 80 characters for a message. */
function clip(name: string): string {
  return name.length <= 80 ? name : `${name.slice(0, 77)}...`;
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Element count of `dims`, or Infinity once it passes 2^53. */
function elements(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) return Infinity;
  }
  return n;
}

/** Decodes one layer section into its placeholder's initializer; returns the bytes it decoded to. */
function restoreLayer(model: Model, payload: Uint8Array, label: string, budget: number, limit: number): number {
  const r = new ByteReader(payload);
  let name: string | undefined;
  return within(() => (name === undefined ? label : `${label} (layer '${clip(name)}')`), () => {
    name = r.string();
    const v = model.graph.initializers.get(name);
    const expected = placeholderDims(v?.initializer);
    if (v === undefined || expected === undefined) {
      throw corrupt(`'${clip(name)}' is not a compressed weight of the embedded model `
        + '(no placeholder, or already restored)');
    }
    const rank = r.u8();
    if (4 * rank > r.remaining) throw corrupt(`rank ${rank} needs ${4 * rank} bytes of dims, ${r.remaining} are left`);
    const dims = Array.from({ length: rank }, () => r.u32());
    if (!sameDims(dims, expected)) {
      throw corrupt(`dims [${dims.join(', ')}] disagree with the embedded graph's [${expected.join(', ')}]`);
    }
    const bytes = 4 * elements(dims);
    if (bytes > budget) {
      throw corrupt(`the layers would decode to more than ${limit} bytes (this one alone to ${bytes}): over the `
        + 'unpack limit (maxUnpackedBytes / --max-unpacked-mb), as a damaged or hostile file would be');
    }
    const data = readLayer(r, bytes / 4);
    if (!r.done) throw corrupt(`${r.remaining} unexplained byte(s) after the layer's streams`);
    v.initializer = new Tensor('float32', dims, data);
    v.dtype = 'float32';
    v.shape = dims;
    return bytes;
  });
}

/** Rebuilds the ONNX model from a container (FORMAT.md); throws 'CONTAINER_CORRUPT' on any damage. */
export function unpack(bytes: Uint8Array, opts: UnpackOptions = {}): Model {
  const frame = readFrame(bytes);
  const model = decodeEmbedded(frame.onnx);
  const limit = opts.maxUnpackedBytes ?? defaultUnpackLimit(bytes.length);
  if (!(limit >= 0)) throw new SlimnetError('INVALID_ARGUMENT', `maxUnpackedBytes must be a number >= 0, got ${limit}`);
  let total = 0;
  frame.layers.forEach((payload, i) => {
    total += restoreLayer(model, payload, `layer section ${i + 1} of ${frame.layers.length}`, limit - total, limit);
  });
  const missing = [...model.graph.initializers.values()].filter((v) => placeholderDims(v.initializer) !== undefined);
  if (missing.length > 0) {
    const names = missing.map((v) => `'${clip(v.name)}'`).join(', ');
    throw corrupt(`no layer section for the compressed weight(s) ${names} of the embedded model`);
  }
  return model;
}
