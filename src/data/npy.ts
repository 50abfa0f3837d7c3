/**
 * NumPy `.npy` files: magic `\x93NUMPY`, version 1.x (uint16 header length) or 2.x/3.x (uint32), a Python
 * dict literal header {'descr', 'fortran_order', 'shape'}, then the C-order elements. Supported dtypes:
 * <f4 <f8 |u1 |i1 <i4 <i8 (also written <u1 / |b1 style variants of the one-byte types).
 */
import { readFileSync } from 'node:fs';
import { SlimnetError } from '../ir/errors.js';

/** The typed array holding a .npy array's elements, by dtype (int64 as BigInt64Array). */
export type NpyData = Float32Array | Float64Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;

/** A parsed .npy array: normalised dtype, shape and data (C order). */
export interface NpyArray {
  /** Normalised dtype string: 'f4', 'f8', 'u1', 'i1', 'i4' or 'i8'. */
  readonly dtype: NpyDType;
  readonly shape: readonly number[];
  readonly data: NpyData;
}

/**
 * The .npy dtypes slimnet reads: float32 ('f4'), float64 ('f8'), uint8 ('u1'), int8 ('i1'), int32 ('i4'), int64 ('i8').
 */
export type NpyDType = 'f4' | 'f8' | 'u1' | 'i1' | 'i4' | 'i8';

const BYTES: Readonly<Record<NpyDType, number>> = { f4: 4, f8: 8, u1: 1, i1: 1, i4: 4, i8: 8 };
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Parses .npy bytes; `file` is only used in error messages. */
export function parseNpy(bytes: Uint8Array, file = '<npy>'): NpyArray {
  const bad = (what: string): SlimnetError => new SlimnetError('DATASET_INVALID', `${file}: not a valid .npy file: ${what}`);
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) throw bad('missing the \\x93NUMPY magic');
  const major = bytes[6] as number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw bad('truncated header');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw bad(`unsupported format version ${major}.${bytes[7]}`);
  }
  if (start + headerLen > bytes.length) throw bad(`header of ${headerLen} bytes runs past the end of the file`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]+)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad(`unreadable header ${header.trim()}`);
  if (fortran === 'True') {
    throw new SlimnetError(
      'DATASET_INVALID',
      `${file}: Fortran-order arrays are not supported; save it in C order (numpy.ascontiguousarray) first`,
    );
  }
  const dtype = normaliseDescr(descr);
  if (dtype === undefined) {
    throw new SlimnetError(
      'DATASET_INVALID',
      `${file}: unsupported dtype '${descr}' (supported: <f4 <f8 |u1 |i1 <i4 <i8, little-endian)`,
    );
  }
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((s) => {
    const d = Number(s.replace(/L$/, ''));
    if (!Number.isInteger(d) || d < 0) throw bad(`bad dimension '${s}' in shape (${shapeText})`);
    return d;
  });
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const need = count * BYTES[dtype];
  if (bytes.length - dataStart !== need) {
    throw bad(
      `shape (${shape.join(', ')}) of ${dtype} needs ${need} data bytes but the file has ${bytes.length - dataStart}` +
        (bytes.length - dataStart < need ? ' (truncated?)' : ''),
    );
  }
  // Copy into a fresh, aligned buffer (the data offset need not be a multiple of the element size).
  const buf = bytes.buffer.slice(bytes.byteOffset + dataStart, bytes.byteOffset + dataStart + need);
  return { dtype, shape, data: makeArray(dtype, buf as ArrayBuffer) };
}

/** Reads and parses a .npy file. */
export function readNpyFile(path: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new SlimnetError('DATASET_MISSING', `cannot read .npy file ${path}: ${msg}`, { cause: e });
  }
  return parseNpy(bytes, path);
}

/** Encodes a C-order .npy (version 1.0) file; used by tests and for exporting arrays. */
export function encodeNpy(dtype: NpyDType, shape: readonly number[], values: ArrayLike<number>): Uint8Array {
  const descr = dtype === 'u1' || dtype === 'i1' ? `|${dtype}` : `<${dtype}`;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const headerBytes = new TextEncoder().encode(header);
  const count = values.length;
  const data = makeArray(dtype, new ArrayBuffer(count * BYTES[dtype]));
  for (let i = 0; i < count; i++) {
    if (data instanceof BigInt64Array) data[i] = BigInt(values[i] as number);
    else data[i] = values[i] as number;
  }
  const out = new Uint8Array(10 + headerBytes.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  new DataView(out.buffer).setUint16(8, headerBytes.length, true);
  out.set(headerBytes, 10);
  out.set(new Uint8Array(data.buffer), 10 + headerBytes.length);
  return out;
}

function normaliseDescr(descr: string): NpyDType | undefined {
  const m = /^([<|=]?)([fiub])(\d)$/.exec(descr);
  if (m === null) return undefined;
  const [, order, kind, size] = m;
  if (size !== '1' && order === '=' && !littleEndianHost()) return undefined;
  const key = `${kind === 'b' ? 'u' : kind}${size}`;
  return (['f4', 'f8', 'u1', 'i1', 'i4', 'i8'] as const).find((d) => d === key);
}

function littleEndianHost(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

function makeArray(dtype: NpyDType, buf: ArrayBuffer): NpyData {
  switch (dtype) {
    case 'f4': return new Float32Array(buf);
    case 'f8': return new Float64Array(buf);
    case 'u1': return new Uint8Array(buf);
    case 'i1': return new Int8Array(buf);
    case 'i4': return new Int32Array(buf);
    case 'i8': return new BigInt64Array(buf);
  }
}
