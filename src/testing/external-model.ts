/** Hand-made ONNX files whose tensors point at arbitrary external data locations (tests only). */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ModelProtoSchema, StringStringEntryProtoSchema, TensorProto_DataLocation, type StringStringEntryProto,
} from 'onnx-buf';
import { GraphBuilder } from '../ir/builder.js';
import { Tensor } from '../ir/tensor.js';
import { encodeModel } from '../onnx/model-codec.js';

/** One external tensor: float32 [elements] stored at `location` (offset / length entries as given). */
export interface ExternalRef {
  readonly location: string;
  readonly elements: number;
  readonly offset?: string;
  readonly length?: string;
}

function entry(key: string, value: string): StringStringEntryProto {
  return create(StringStringEntryProtoSchema, { key, value });
}

/**
 * Writes `dir/name` (default 'm.onnx'): a model whose initializers w0, w1, ... (each passed through an
 * Identity to outputs y0, y1, ...) are stored externally as `refs` say. Returns the model's path.
 */
export function writeExternalModel(dir: string, refs: readonly ExternalRef[], name = 'm.onnx'): string {
  const b = new GraphBuilder('external');
  refs.forEach((_, i) => b.output(b.op('Identity', [b.initializer(`w${i}`, Tensor.f32([1], [0]))]), `y${i}`));
  const mp = fromBinary(ModelProtoSchema, encodeModel(b.build(17)));
  refs.forEach((r, i) => {
    const tp = mp.graph?.initializer.find((t) => t.name === `w${i}`);
    if (tp === undefined) throw new Error(`initializer w${i} missing`);
    tp.dims = [BigInt(r.elements)];
    tp.rawData = new Uint8Array(0);
    tp.floatData = [];
    tp.dataLocation = TensorProto_DataLocation.EXTERNAL;
    tp.externalData = [
      entry('location', r.location),
      ...(r.offset === undefined ? [] : [entry('offset', r.offset)]),
      ...(r.length === undefined ? [] : [entry('length', r.length)]),
    ];
  });
  const path = join(dir, name);
  writeFileSync(path, toBinary(ModelProtoSchema, mp));
  return path;
}
