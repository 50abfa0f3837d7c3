/** ValueInfoProto / TypeProto <-> a Value's dtype and shape (dim_value -> number, dim_param -> string). */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { TypeProtoSchema, ValueInfoProtoSchema, type TypeProto, type ValueInfoProto } from 'onnx-buf';
import { dtypeFromOnnx, dtypeToOnnx } from '../ir/dtype.js';
import type { Dim } from '../ir/shape.js';
import type { Value } from '../ir/value.js';
import type { DecodeContext } from './context.js';
import { extras } from './extras.js';

/** Rejects a tensor type's dim_value that is negative or beyond 2^53 (`what` names the value in errors). */
function checkDims(tp: TypeProto, what: string, ctx: DecodeContext): void {
  if (tp.value.case !== 'tensorType') return;
  tp.value.value.shape?.dim.forEach((d, i) => {
    if (d.value.case !== 'dimValue') return;
    const n = d.value.value;
    if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw ctx.error(`${what} has an invalid dim_value ${n} at axis ${i}`);
    }
  });
}

/**
 * Applies a declared type to `v`. Types slimnet cannot express are kept aside and written back. A tensor
 * dimension that is negative or too large is an error (`what` names the value, `ctx` the file).
 */
export function applyType(v: Value, tp: TypeProto | undefined, what: string, ctx: DecodeContext): void {
  if (tp === undefined) return;
  checkDims(tp, what, ctx);
  if (tp.value.case === 'tensorType' && tp.denotation === '') {
    const tt = tp.value.value;
    const dtype = dtypeFromOnnx(tt.elemType);
    const plainDims = tt.shape === undefined || tt.shape.dim.every((d) => d.denotation === '');
    if (dtype !== undefined && plainDims) {
      v.dtype = dtype;
      v.shape = tt.shape?.dim.map((d): Dim => {
        if (d.value.case === 'dimValue') return Number(d.value.value);
        if (d.value.case === 'dimParam') return d.value.value;
        return null;
      });
      const ex = extras.value(v);
      if (ex !== undefined) delete ex.type;
      return;
    }
  }
  extras.valueW(v).type = tp;
  v.dtype = undefined;
  v.shape = undefined;
}

type TypeInit = MessageInitShape<typeof TypeProtoSchema>;

/** The TypeProto for a value's dtype/shape, or the kept-aside proto, or undefined when untyped. */
export function encodeType(v: Value): TypeProto | undefined {
  if (v.dtype === undefined) return extras.value(v)?.type;
  const tensorType: NonNullable<Extract<TypeInit['value'], { case: 'tensorType' }>>['value'] = {
    elemType: dtypeToOnnx(v.dtype),
  };
  if (v.shape !== undefined) {
    tensorType.shape = {
      dim: v.shape.map((d) => {
        if (typeof d === 'number') return { value: { case: 'dimValue' as const, value: BigInt(d) } };
        if (typeof d === 'string') return { value: { case: 'dimParam' as const, value: d } };
        return {};
      }),
    };
  }
  return create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } });
}

/** Reads a ValueInfoProto's type, doc string and metadata into `v`; `what` and `ctx` name it in errors. */
export function applyValueInfo(v: Value, vi: ValueInfoProto, what: string, ctx: DecodeContext): void {
  applyType(v, vi.type, what, ctx);
  if (vi.docString !== '') v.docString = vi.docString;
  if (vi.metadataProps.length > 0) extras.valueW(v).metadataProps = vi.metadataProps;
}

/** The ValueInfoProto of `v`: its name, type, doc string and metadata. */
export function encodeValueInfo(v: Value): ValueInfoProto {
  const init: MessageInitShape<typeof ValueInfoProtoSchema> = { name: v.name };
  const type = encodeType(v);
  if (type !== undefined) init.type = type;
  if (v.docString !== '') init.docString = v.docString;
  const meta = extras.value(v)?.metadataProps;
  if (meta !== undefined) init.metadataProps = meta;
  return create(ValueInfoProtoSchema, init);
}
