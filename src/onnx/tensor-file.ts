/** Standalone TensorProto files (e.g. the reference inputs/outputs of ONNX backend tests). */
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { TensorProtoSchema, type TensorProto } from 'onnx-buf';
import { dirname } from 'node:path';
import type { Tensor } from '../ir/tensor.js';
import { DecodeContext } from './context.js';
import { decodeTensor, encodeTensor } from './tensor-codec.js';
import { describeWireProblem, findWireProblem } from './wire-check.js';

/** A tensor with the name it carries in an ONNX TensorProto file. */
export interface NamedTensor {
  readonly name: string;
  readonly tensor: Tensor;
}

/** Decodes a serialized TensorProto. `path` names it in errors and anchors external data. */
export function decodeTensorProto(bytes: Uint8Array, opts: { readonly path?: string } = {}): NamedTensor {
  const ctx = new DecodeContext(opts.path, opts.path === undefined ? undefined : dirname(opts.path));
  const wire = findWireProblem(bytes, TensorProtoSchema);
  if (wire !== undefined) throw ctx.error(`not a valid ONNX TensorProto: ${describeWireProblem(wire)}`);
  let tp: TensorProto;
  try {
    tp = fromBinary(TensorProtoSchema, bytes);
  } catch (e) {
    throw ctx.error(`not a valid ONNX TensorProto: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { name: tp.name, tensor: decodeTensor(tp, tp.name !== '' ? `tensor '${tp.name}'` : 'tensor', ctx) };
}

/** Serializes a tensor as a TensorProto (in its storage form; external becomes raw). */
export function encodeTensorProto(t: Tensor, name = ''): Uint8Array {
  return toBinary(TensorProtoSchema, encodeTensor(t, name, t.storage === 'external' ? 'raw' : t.storage));
}
