/** AttributeProto <-> Attribute. Sparse tensors, type protos and attribute references stay opaque. */
import { clone, create, isFieldSet, isMessage, type MessageInitShape } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as AT,
  AttributeProtoSchema,
  type AttributeProto,
  type GraphProto,
  type TensorProto,
} from 'onnx-buf';
import type { Attribute } from '../ir/attributes.js';
import { SlimnetError } from '../ir/errors.js';
import type { Graph } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import type { DecodeContext } from './context.js';
import { extras } from './extras.js';
import { decodeTensor } from './tensor-codec.js';

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** Attribute type of an old-style proto without `type`, inferred from the field that is set. */
function inferType(ap: AttributeProto): AT {
  const F = AttributeProtoSchema.field;
  if (ap.floats.length > 0) return AT.FLOATS;
  if (ap.ints.length > 0) return AT.INTS;
  if (ap.strings.length > 0) return AT.STRINGS;
  if (ap.tensors.length > 0) return AT.TENSORS;
  if (ap.graphs.length > 0) return AT.GRAPHS;
  if (ap.t !== undefined) return AT.TENSOR;
  if (ap.g !== undefined) return AT.GRAPH;
  if (isFieldSet(ap, F.s)) return AT.STRING;
  if (isFieldSet(ap, F.i)) return AT.INT;
  if (isFieldSet(ap, F.f)) return AT.FLOAT;
  return AT.UNDEFINED;
}

function keepTensorName(t: Tensor, tp: TensorProto): Tensor {
  if (tp.name !== '') extras.tensorW(t).name = tp.name;
  return t;
}

/**
 * Decodes an AttributeProto (its type inferred from the set field for old protos without one); `where`
 * names the node in errors and `decodeSubgraph` decodes GRAPH / GRAPHS values.
 */
export function decodeAttribute(
  ap: AttributeProto,
  where: string,
  ctx: DecodeContext,
  decodeSubgraph: (g: GraphProto, what: string) => Graph,
): Attribute {
  const what = `${where} attribute '${ap.name}'`;
  if (ap.refAttrName !== '') return { type: 'opaque', value: ap };
  const type = ap.type === AT.UNDEFINED ? inferType(ap) : ap.type;
  switch (type) {
    case AT.FLOAT: return { type: 'float', value: ap.f };
    case AT.INT: return { type: 'int', value: Number(ap.i) };
    case AT.STRING: return { type: 'string', value: utf8Decoder.decode(ap.s) };
    case AT.TENSOR: {
      if (ap.t === undefined) throw ctx.error(`${what} is of type TENSOR but holds no tensor`);
      return { type: 'tensor', value: keepTensorName(decodeTensor(ap.t, what, ctx), ap.t) };
    }
    case AT.GRAPH: {
      if (ap.g === undefined) throw ctx.error(`${what} is of type GRAPH but holds no graph`);
      return { type: 'graph', value: decodeSubgraph(ap.g, what) };
    }
    case AT.FLOATS: return { type: 'floats', value: [...ap.floats] };
    case AT.INTS: return { type: 'ints', value: ap.ints.map((i) => Number(i)) };
    case AT.STRINGS: return { type: 'strings', value: ap.strings.map((s) => utf8Decoder.decode(s)) };
    case AT.TENSORS:
      return {
        type: 'tensors',
        value: ap.tensors.map((t, i) => keepTensorName(decodeTensor(t, `${what}[${i}]`, ctx), t)),
      };
    case AT.GRAPHS: return { type: 'graphs', value: ap.graphs.map((g, i) => decodeSubgraph(g, `${what}[${i}]`)) };
    case AT.SPARSE_TENSOR: case AT.SPARSE_TENSORS: case AT.TYPE_PROTO: case AT.TYPE_PROTOS:
      return { type: 'opaque', value: ap };
    default:
      throw ctx.error(`${what} has unknown attribute type ${String(ap.type)}`);
  }
}

/** A JS number as an int64, clamped to the int64 range (so INT64_MAX survives the trip through a double). */
export function toInt64(v: number, what: string): bigint {
  if (Number.isNaN(v)) throw new SlimnetError('ONNX_ENCODE', `${what}: NaN is not an integer`);
  if (v >= 2 ** 63) return INT64_MAX;
  if (v <= -(2 ** 63)) return INT64_MIN;
  return BigInt(Math.trunc(v));
}

/** How encodeAttribute writes tensor and graph values. */
export interface AttributeEncoders {
  readonly tensor: (t: Tensor, name: string | undefined) => TensorProto;
  readonly graph: (g: Graph) => GraphProto;
}

/** Encodes attribute `name`; `where` names the node in errors. Opaque values are written back as kept. */
export function encodeAttribute(name: string, a: Attribute, where: string, enc: AttributeEncoders): AttributeProto {
  const what = `${where} attribute '${name}'`;
  const init: MessageInitShape<typeof AttributeProtoSchema> = { name };
  switch (a.type) {
    case 'float': init.type = AT.FLOAT; init.f = a.value; break;
    case 'int': init.type = AT.INT; init.i = toInt64(a.value, what); break;
    case 'string': init.type = AT.STRING; init.s = utf8Encoder.encode(a.value) as Uint8Array<ArrayBuffer>; break;
    case 'tensor': init.type = AT.TENSOR; init.t = enc.tensor(a.value, extras.tensor(a.value)?.name); break;
    case 'graph': init.type = AT.GRAPH; init.g = enc.graph(a.value); break;
    case 'floats': init.type = AT.FLOATS; init.floats = [...a.value]; break;
    case 'ints': init.type = AT.INTS; init.ints = a.value.map((v) => toInt64(v, what)); break;
    case 'strings':
      init.type = AT.STRINGS;
      init.strings = a.value.map((s) => utf8Encoder.encode(s) as Uint8Array<ArrayBuffer>);
      break;
    case 'tensors':
      init.type = AT.TENSORS;
      init.tensors = a.value.map((t) => enc.tensor(t, extras.tensor(t)?.name));
      break;
    case 'graphs': init.type = AT.GRAPHS; init.graphs = a.value.map((g) => enc.graph(g)); break;
    case 'opaque': {
      if (!isMessage(a.value, AttributeProtoSchema)) {
        throw new SlimnetError('ONNX_ENCODE', `${what}: opaque attribute value is not a decoded AttributeProto`);
      }
      const copy = clone(AttributeProtoSchema, a.value);
      copy.name = name;
      return copy;
    }
  }
  return create(AttributeProtoSchema, init);
}
