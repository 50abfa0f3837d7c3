import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import {
  GraphProtoSchema, ModelProtoSchema, NodeProtoSchema, TensorProto_DataType as DT, TensorProtoSchema,
  ValueInfoProtoSchema, type GraphProto,
} from 'onnx-buf';
import { assertDecodeRejects } from '../testing/decode-rejects.js';
import { decodeModel } from './index.js';

const FILE = '/models/strict.onnx';

/** Relu(x) -> y with initializer `w`, then `patch` edits the graph. */
function modelBytes(patch: (g: GraphProto) => void = () => undefined, withGraph = true): Uint8Array {
  const graph = create(GraphProtoSchema, {
    node: [{ opType: 'Relu', name: 'act', input: ['x'], output: ['y'] }],
    input: [{ name: 'x' }],
    output: [{ name: 'y' }],
    initializer: [{ name: 'w', dims: [2n, 3n], dataType: DT.FLOAT, rawData: new Uint8Array(24) }],
  });
  patch(graph);
  return toBinary(ModelProtoSchema, create(ModelProtoSchema, {
    irVersion: 8n,
    opsetImport: [{ version: 13n }],
    ...(withGraph ? { graph } : {}),
  }));
}

type TensorInit = MessageInitShape<typeof TensorProtoSchema>;
const withInitializer = (t: TensorInit) => (g: GraphProto): void => {
  g.initializer = [create(TensorProtoSchema, t)];
};

const rejects = (bytes: Uint8Array, ...needles: string[]): void => assertDecodeRejects(bytes, FILE, ...needles);

test('the baseline model decodes', () => {
  const m = decodeModel(modelBytes(), { path: FILE });
  assert.deepEqual(m.graph.initializers.get('w')?.initializer?.dims, [2, 3]);
});

test('a model without a graph is rejected', () => {
  rejects(modelBytes(undefined, false), 'it has no graph');
});

test('a node without op_type is rejected, naming the node', () => {
  const blank = create(NodeProtoSchema, { name: 'blank', input: ['x'], output: ['y'] });
  rejects(modelBytes((g) => { g.node = [blank]; }), "node 'blank' () has no op_type");
});

test('tensor dims must be non-negative and match the data length', () => {
  const raw = (dims: bigint[], bytes: number): ((g: GraphProto) => void) =>
    withInitializer({ name: 'w', dims, dataType: DT.FLOAT, rawData: new Uint8Array(bytes) });
  rejects(modelBytes(raw([-2n, 3n], 24)), "initializer 'w' has an invalid dimension -2");
  rejects(modelBytes(raw([2n, 3n], 20)), "initializer 'w'", '20 bytes of data', 'need 24');
  rejects(modelBytes(withInitializer({ name: 'w', dims: [4n], dataType: DT.FLOAT, floatData: [1, 2, 3] })),
    'float_data holds 3 elements', 'need 4');
});

test('declared value types must not have negative dimensions', () => {
  const typed = (dim: bigint) => (g: GraphProto): void => {
    const shape = { dim: [{ value: { case: 'dimValue' as const, value: dim } }] };
    g.input = [create(ValueInfoProtoSchema, {
      name: 'x', type: { value: { case: 'tensorType', value: { elemType: DT.FLOAT, shape } } },
    })];
  };
  rejects(modelBytes(typed(-1n)), "input 'x' has an invalid dim_value -1 at axis 0");
  assert.deepEqual(decodeModel(modelBytes(typed(5n))).graph.inputs[0]?.shape, [5]);
});
