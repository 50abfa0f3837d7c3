/**
 * TensorProto <-> Tensor. Handles raw_data (little-endian, possibly unaligned: always copied), the typed
 * fields (float_data, int32_data for all narrow types and 16-bit float bit patterns, int64_data,
 * double_data, uint64_data, string_data) and external data. Records the storage form so encoding can
 * write the tensor back alike.
 */
import { create, isFieldSet, type MessageInitShape } from '@bufbuild/protobuf';
import { TensorProto_DataLocation, TensorProto_DataType, TensorProtoSchema, type TensorProto } from 'onnx-buf';
import { dtypeBytes, dtypeFromOnnx, dtypeToOnnx, type DType } from '../ir/dtype.js';
import { SlimnetError } from '../ir/errors.js';
import { allocData, sizeOf, Tensor, typedView, type TensorData, type TensorStorage } from '../ir/tensor.js';
import type { DecodeContext } from './context.js';
import { extras } from './extras.js';
import { readExternalData } from './external-data.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

function typeName(code: number): string {
  return TensorProto_DataType[code] ?? `#${code}`;
}

/** Decodes dims (bigint) to numbers, rejecting negative or huge values. */
export function decodeDims(dims: readonly bigint[], what: string, ctx: DecodeContext): number[] {
  return dims.map((d) => {
    const n = Number(d);
    if (d < 0n || !Number.isSafeInteger(n)) throw ctx.error(`${what} has an invalid dimension ${d}`);
    return n;
  });
}

/** A typed array over a private, aligned copy of little-endian bytes. */
function fromBytes(dtype: DType, size: number, raw: Uint8Array, what: string, ctx: DecodeContext): TensorData {
  const width = dtypeBytes(dtype);
  if (raw.byteLength !== size * width) {
    throw ctx.error(`${what}: ${raw.byteLength} bytes of data, but ${dtype} dims need ${size * width}`);
  }
  if (!LITTLE_ENDIAN && width > 1) throw ctx.error(`${what}: big-endian hosts are not supported`);
  // A fresh, aligned copy (note Buffer#slice would return a view, not a copy).
  const copy = new Uint8Array(raw.byteLength);
  copy.set(raw);
  if (dtype === 'string') throw ctx.error(`${what}: string tensors cannot use raw_data`);
  return typedView(dtype, copy.buffer);
}

function expectCount(n: number, size: number, field: string, what: string, ctx: DecodeContext): void {
  if (n !== size) throw ctx.error(`${what}: ${field} holds ${n} elements, but its dims need ${size}`);
}

function fromTypedFields(tp: TensorProto, dtype: DType, size: number, what: string, ctx: DecodeContext): TensorData {
  switch (dtype) {
    case 'float32':
      expectCount(tp.floatData.length, size, 'float_data', what, ctx);
      return Float32Array.from(tp.floatData);
    case 'float64':
      expectCount(tp.doubleData.length, size, 'double_data', what, ctx);
      return Float64Array.from(tp.doubleData);
    case 'int64':
      expectCount(tp.int64Data.length, size, 'int64_data', what, ctx);
      return BigInt64Array.from(tp.int64Data);
    case 'uint64':
      expectCount(tp.uint64Data.length, size, 'uint64_data', what, ctx);
      return BigUint64Array.from(tp.uint64Data);
    case 'uint32':
      expectCount(tp.uint64Data.length, size, 'uint64_data', what, ctx);
      return Uint32Array.from(tp.uint64Data, (x) => Number(BigInt.asUintN(32, x)));
    case 'string':
      expectCount(tp.stringData.length, size, 'string_data', what, ctx);
      return tp.stringData.map((s) => utf8Decoder.decode(s));
    default: {
      // int32, int16, int8, uint16, uint8, bool, float16, bfloat16: int32_data (bit patterns for halves).
      expectCount(tp.int32Data.length, size, 'int32_data', what, ctx);
      const out = allocData(dtype, size) as Exclude<TensorData, string[] | BigInt64Array | BigUint64Array>;
      out.set(tp.int32Data);
      return out;
    }
  }
}

/** Whether the tensor's data is in raw_data (for an empty tensor: whether the field is present at all). */
function hasRawData(tp: TensorProto, size: number): boolean {
  return tp.rawData.byteLength > 0 || (size === 0 && isFieldSet(tp, TensorProtoSchema.field.rawData));
}

/** Decodes a TensorProto. `what` names it in errors (e.g. "initializer 'w'"). */
export function decodeTensor(tp: TensorProto, what: string, ctx: DecodeContext): Tensor {
  const dtype = dtypeFromOnnx(tp.dataType);
  if (dtype === undefined) {
    throw ctx.error(`${what} has element type ${typeName(tp.dataType)}, which slimnet does not support`);
  }
  const dims = decodeDims(tp.dims, what, ctx);
  const size = sizeOf(dims);
  let data: TensorData;
  let storage: TensorStorage;
  if (tp.dataLocation === TensorProto_DataLocation.EXTERNAL) {
    if (dtype === 'string') throw ctx.error(`${what}: string tensors cannot use external data`);
    data = fromBytes(dtype, size, readExternalData(tp, tp.name || what, size * dtypeBytes(dtype), ctx), what, ctx);
    storage = 'external';
  } else if (dtype !== 'string' && hasRawData(tp, size)) {
    data = fromBytes(dtype, size, tp.rawData, what, ctx);
    storage = 'raw';
  } else {
    data = fromTypedFields(tp, dtype, size, what, ctx);
    storage = 'typed';
  }
  const t = new Tensor(dtype, dims, data);
  t.storage = storage;
  t.docString = tp.docString;
  if (tp.metadataProps.length > 0) extras.tensorW(t).metadataProps = tp.metadataProps;
  return t;
}

/** The tensor's elements as little-endian bytes (a view when possible). */
export function tensorBytes(t: Tensor): Uint8Array<ArrayBuffer> {
  const d = t.data;
  if (Array.isArray(d)) throw new SlimnetError('ONNX_ENCODE', 'string tensors have no raw byte form');
  if (!LITTLE_ENDIAN && dtypeBytes(t.dtype) > 1) {
    throw new SlimnetError('ONNX_ENCODE', 'big-endian hosts are not supported');
  }
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength) as Uint8Array<ArrayBuffer>;
}

type TensorInit = MessageInitShape<typeof TensorProtoSchema>;

function typedFields(t: Tensor, init: TensorInit): void {
  const d = t.data;
  if (Array.isArray(d)) {
    init.stringData = d.map((s) => utf8Encoder.encode(s) as Uint8Array<ArrayBuffer>);
  } else if (d instanceof Float32Array) {
    init.floatData = Array.from(d);
  } else if (d instanceof Float64Array) {
    init.doubleData = Array.from(d);
  } else if (d instanceof BigInt64Array) {
    init.int64Data = Array.from(d);
  } else if (d instanceof BigUint64Array) {
    init.uint64Data = Array.from(d);
  } else if (d instanceof Uint32Array) {
    init.uint64Data = Array.from(d, (x) => BigInt(x));
  } else {
    init.int32Data = Array.from(d);
  }
}

/** How to place a tensor's bytes outside the model; returns the external_data entries. */
export type ExternalSink = (bytes: Uint8Array) => Array<{ key: string; value: string }>;

/**
 * Encodes a tensor. `form` picks the storage (default: the tensor's own); 'external' needs a sink and
 * falls back to raw without one. String tensors always use string_data.
 */
export function encodeTensor(
  t: Tensor, name: string | undefined, form: TensorStorage = t.storage, sink?: ExternalSink,
): TensorProto {
  const init: TensorInit = { dims: t.dims.map((d) => BigInt(d)), dataType: dtypeToOnnx(t.dtype) };
  if (name !== undefined && name !== '') init.name = name;
  if (t.docString !== '') init.docString = t.docString;
  const ex = extras.tensor(t);
  if (ex?.metadataProps !== undefined) init.metadataProps = ex.metadataProps;
  if (t.dtype === 'string' || form === 'typed') {
    typedFields(t, init);
  } else if (form === 'external' && sink !== undefined) {
    init.dataLocation = TensorProto_DataLocation.EXTERNAL;
    init.externalData = sink(tensorBytes(t));
  } else {
    init.rawData = tensorBytes(t);
  }
  return create(TensorProtoSchema, init);
}
