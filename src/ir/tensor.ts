/**
 * A constant tensor: dtype, dims and a typed array holding its elements in row-major order.
 * float16 / bfloat16 are kept as their raw 16-bit patterns (Uint16Array); bool as Uint8Array (0/1);
 * int64 / uint64 as BigInt64Array / BigUint64Array so no value is ever rounded.
 */
import { SlimnetError } from './errors.js';
import { dtypeBytes, type DType } from './dtype.js';

/**
 * The element storage of a Tensor: a typed array matching the dtype (int64 as BigInt64Array, float16 / bfloat16 as
 * Uint16Array bits) or a string array.
 */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

/** Where a tensor's bytes lived in the file it was decoded from (kept so encode can write it back alike). */
export type TensorStorage = 'raw' | 'typed' | 'external';

/** Number of elements of a tensor with these dims (1 for a scalar). */
export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Allocates a zero-filled typed array for `size` elements of `dtype`. */
export function allocData(dtype: DType, size: number): TensorData {
  return dtype === 'string' ? new Array<string>(size).fill('') : typedView(dtype, new ArrayBuffer(size * dtypeBytes(dtype)));
}

/** The typed array of a numeric dtype over `buffer` (little-endian element storage, as ONNX raw_data). */
export function typedView(dtype: Exclude<DType, 'string'>, buffer: ArrayBuffer): Exclude<TensorData, string[]> {
  switch (dtype) {
    case 'float32': return new Float32Array(buffer);
    case 'float64': return new Float64Array(buffer);
    case 'float16': case 'bfloat16': case 'uint16': return new Uint16Array(buffer);
    case 'int8': return new Int8Array(buffer);
    case 'uint8': case 'bool': return new Uint8Array(buffer);
    case 'int16': return new Int16Array(buffer);
    case 'int32': return new Int32Array(buffer);
    case 'uint32': return new Uint32Array(buffer);
    case 'int64': return new BigInt64Array(buffer);
    case 'uint64': return new BigUint64Array(buffer);
  }
}

/**
 * A dense tensor: dtype, dims and the element data in a typed array of the dtype's storage type (float16 / bfloat16 as
 * their uint16 bit patterns, strings as a string array).
 */
export class Tensor {
  readonly dtype: DType;
  readonly dims: readonly number[];
  data: TensorData;
  /** Storage form in the source file (informational; encoders may honour it). */
  storage: TensorStorage = 'raw';
  docString = '';

  constructor(dtype: DType, dims: readonly number[], data?: TensorData) {
    const size = sizeOf(dims);
    if (dims.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new SlimnetError('INVALID_ARGUMENT', `tensor dims must be non-negative integers, got [${dims.join(',')}]`);
    }
    this.dtype = dtype;
    this.dims = [...dims];
    this.data = data ?? allocData(dtype, size);
    if (this.data.length !== size) {
      throw new SlimnetError(
        'INVALID_ARGUMENT',
        `tensor of dims [${dims.join(',')}] needs ${size} elements, got ${this.data.length}`,
      );
    }
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.dims.length;
  }

  static f32(dims: readonly number[], values?: ArrayLike<number>): Tensor {
    return new Tensor('float32', dims, values === undefined ? undefined : Float32Array.from(values));
  }

  static f64(dims: readonly number[], values?: ArrayLike<number>): Tensor {
    return new Tensor('float64', dims, values === undefined ? undefined : Float64Array.from(values));
  }

  static i64(dims: readonly number[], values: ArrayLike<number | bigint>): Tensor {
    const data = new BigInt64Array(values.length);
    for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i] as number | bigint);
    return new Tensor('int64', dims, data);
  }

  /** A rank-0 float32 tensor. */
  static scalar(value: number, dtype: DType = 'float32'): Tensor {
    const t = new Tensor(dtype, []);
    setNumber(t, 0, value);
    return t;
  }

  /** Elements as plain numbers (int64 converted; throws on strings). float16 is decoded. */
  toNumbers(): number[] {
    const out = new Array<number>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = getNumber(this, i);
    return out;
  }

  /** Elements as a Float32Array (a view-free copy unless already float32, in which case the same array). */
  toFloat32(): Float32Array {
    if (this.data instanceof Float32Array) return this.data;
    return Float32Array.from(this.toNumbers());
  }

  clone(): Tensor {
    const data = Array.isArray(this.data) ? [...this.data] : this.data.slice();
    const t = new Tensor(this.dtype, this.dims, data);
    t.storage = this.storage;
    t.docString = this.docString;
    return t;
  }

  /** Same data, other dims (sizes must agree). */
  reshape(dims: readonly number[]): Tensor {
    return new Tensor(this.dtype, dims, this.data);
  }
}

/** Reads element i as a number. */
export function getNumber(t: Tensor, i: number): number {
  const v = t.data[i];
  if (typeof v === 'string' || v === undefined) {
    throw new SlimnetError('INVALID_ARGUMENT', `tensor element ${i} is not numeric (dtype ${t.dtype})`);
  }
  if (typeof v === 'bigint') return Number(v);
  if (t.dtype === 'float16') return halfToFloat(v);
  if (t.dtype === 'bfloat16') return bf16ToFloat(v);
  return v;
}

/** Writes element i from a number (rounding / converting as the dtype requires). */
export function setNumber(t: Tensor, i: number, value: number): void {
  const d = t.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) d[i] = BigInt(Math.trunc(value));
  else if (Array.isArray(d)) d[i] = String(value);
  else if (t.dtype === 'float16') d[i] = floatToHalf(value);
  else if (t.dtype === 'bfloat16') d[i] = floatToBf16(value);
  else d[i] = value;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The number an IEEE float16 bit pattern (uint16) stands for. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * The IEEE float16 bit pattern (uint16) nearest to a number; overflow gives ±Infinity, tiny values subnormals or ±0.
 */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0] as number;
  const sign = (x >> 16) & 0x8000;
  const exp = (x >> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  e = half;
  return sign | e;
}

/** The number a bfloat16 bit pattern (uint16) stands for. */
export function bf16ToFloat(b: number): number {
  u32[0] = b << 16;
  return f32[0] as number;
}

/** The bfloat16 bit pattern (uint16) nearest to a number (round to nearest even). */
export function floatToBf16(v: number): number {
  f32[0] = v;
  const x = u32[0] as number;
  const rounding = 0x7fff + ((x >> 16) & 1);
  return ((x + rounding) >>> 16) & 0xffff;
}
