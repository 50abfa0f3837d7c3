/**
 * IDX files (the MNIST format): 4-byte magic `00 00 TT NN` (TT = element type 0x08..0x0E, NN = number of
 * dimensions), NN big-endian uint32 dimensions, then the elements in big-endian row-major order.
 * gzip-compressed files (magic 1f 8b) are decompressed transparently.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { SlimnetError } from '../ir/errors.js';

/** Element arrays an IDX file can hold. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** Decoded IDX array. */
export interface IdxArray {
  /** IDX type code: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64. */
  readonly typeCode: number;
  readonly dims: readonly number[];
  readonly data: IdxData;
}

interface IdxType {
  readonly bytes: number;
  readonly make: (n: number) => IdxData;
  readonly read: (v: DataView, off: number) => number;
}

const TYPES: ReadonlyMap<number, IdxType> = new Map<number, IdxType>([
  [0x08, { bytes: 1, make: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o) }],
  [0x09, { bytes: 1, make: (n) => new Int8Array(n), read: (v, o) => v.getInt8(o) }],
  [0x0b, { bytes: 2, make: (n) => new Int16Array(n), read: (v, o) => v.getInt16(o, false) }],
  [0x0c, { bytes: 4, make: (n) => new Int32Array(n), read: (v, o) => v.getInt32(o, false) }],
  [0x0d, { bytes: 4, make: (n) => new Float32Array(n), read: (v, o) => v.getFloat32(o, false) }],
  [0x0e, { bytes: 8, make: (n) => new Float64Array(n), read: (v, o) => v.getFloat64(o, false) }],
]);

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip data (if it is gzip), naming `file` in errors. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new SlimnetError('DATASET_INVALID', `${file}: corrupt gzip data (${msg})`, { cause: e });
  }
}

/** Parses IDX bytes (plain or gzipped). `file` is only used in error messages. */
export function parseIdx(input: Uint8Array, file = '<idx>'): IdxArray {
  const bytes = maybeGunzip(input, file);
  const bad = (what: string): SlimnetError => new SlimnetError('DATASET_INVALID', `${file}: not a valid IDX file: ${what}`);
  if (bytes.length < 4) throw bad(`only ${bytes.length} bytes, the header needs at least 4`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw bad(`magic starts with ${hex(bytes[0])} ${hex(bytes[1])}, expected 00 00`);
  }
  const typeCode = bytes[2] as number;
  const type = TYPES.get(typeCode);
  if (type === undefined) throw bad(`unknown element type code ${hex(typeCode)} (expected 08, 09, 0b, 0c, 0d or 0e)`);
  const rank = bytes[3] as number;
  if (rank === 0) throw bad('zero dimensions');
  const headerLen = 4 + 4 * rank;
  if (bytes.length < headerLen) throw bad(`header declares ${rank} dimensions but the file has only ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const expected = headerLen + count * type.bytes;
  if (bytes.length !== expected) {
    throw bad(
      `dimensions [${dims.join(',')}] need ${expected} bytes but the file has ${bytes.length}` +
        (bytes.length < expected ? ' (truncated?)' : ' (trailing data)'),
    );
  }
  let data: IdxData;
  if (type.bytes === 1) {
    const src = bytes.subarray(headerLen, expected);
    data = typeCode === 0x08 ? new Uint8Array(src) : new Int8Array(src.buffer.slice(src.byteOffset, src.byteOffset + src.byteLength));
  } else {
    data = type.make(count);
    for (let i = 0, off = headerLen; i < count; i++, off += type.bytes) data[i] = type.read(view, off);
  }
  return { typeCode, dims, data };
}

/** Reads and parses an IDX file (plain or gzipped). */
export function readIdxFile(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new SlimnetError('DATASET_MISSING', `cannot read IDX file ${path}: ${msg}`, { cause: e });
  }
  return parseIdx(bytes, path);
}

/** Encodes an IDX file (used by tests and to export data); `typeCode` defaults to 0x08 (u8). */
export function encodeIdx(dims: readonly number[], values: ArrayLike<number>, typeCode = 0x08): Uint8Array {
  const type = TYPES.get(typeCode);
  if (type === undefined) throw new SlimnetError('INVALID_ARGUMENT', `unknown IDX type code ${hex(typeCode)}`);
  const headerLen = 4 + 4 * dims.length;
  const out = new Uint8Array(headerLen + values.length * type.bytes);
  const view = new DataView(out.buffer);
  out[2] = typeCode;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0, off = headerLen; i < values.length; i++, off += type.bytes) {
    const v = values[i] as number;
    switch (typeCode) {
      case 0x08: view.setUint8(off, v); break;
      case 0x09: view.setInt8(off, v); break;
      case 0x0b: view.setInt16(off, v, false); break;
      case 0x0c: view.setInt32(off, v, false); break;
      case 0x0d: view.setFloat32(off, v, false); break;
      default: view.setFloat64(off, v, false);
    }
  }
  return out;
}

function hex(b: number | undefined): string {
  return (b ?? 0).toString(16).padStart(2, '0');
}
