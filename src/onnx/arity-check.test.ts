import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { AttributeProto_AttributeType as AT, ModelProtoSchema, type NodeProtoSchema } from 'onnx-buf';
import { assertDecodeRejects } from '../testing/decode-rejects.js';
import { decodeModel } from './index.js';
import { opArity } from './op-arity.js';
import { ARITY_TABLE_MAX_OPSET } from './op-arity-table.js';

const FILE = '/models/arity.onnx';

interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly domain?: string;
}

function nodeInit(n: NodeSpec): MessageInitShape<typeof NodeProtoSchema> {
  return { opType: n.op, name: n.name ?? '', domain: n.domain ?? '', input: [...n.inputs], output: [...n.outputs] };
}

/** A model whose graph inputs define every name the nodes read, and whose outputs are the last node's. */
function modelBytes(nodes: readonly NodeSpec[], opset: number, extra: { functions?: string[] } = {}): Uint8Array {
  const produced = new Set(nodes.flatMap((n) => n.outputs));
  const inputs = [...new Set(nodes.flatMap((n) => n.inputs))].filter((v) => v !== '' && !produced.has(v));
  const last = nodes[nodes.length - 1]?.outputs.filter((v) => v !== '') ?? [];
  return toBinary(ModelProtoSchema, create(ModelProtoSchema, {
    irVersion: 8n,
    opsetImport: [{ version: BigInt(opset) }, { domain: 'com.example', version: 1n }],
    graph: {
      name: 'g',
      node: nodes.map(nodeInit),
      input: inputs.map((name) => ({ name })),
      output: last.map((name) => ({ name })),
    },
    functions: (extra.functions ?? []).map((name) => ({ name, domain: '', input: ['a'], output: ['b'] })),
  }));
}

const rejects = (bytes: Uint8Array, ...needles: string[]): void => assertDecodeRejects(bytes, FILE, ...needles);

test('the generated table gives per-opset ranges, variadic maxima, and nothing for unknown ops', () => {
  const gemm9 = opArity('Gemm', 9);
  assert.deepEqual([gemm9?.minInputs, gemm9?.maxInputs, gemm9?.minOutputs, gemm9?.maxOutputs], [3, 3, 1, 1]);
  assert.equal(opArity('Gemm', 13)?.minInputs, 2);
  assert.equal(opArity('Concat', 13)?.maxInputs, Infinity);
  assert.equal(opArity('Acos', 6), undefined, 'Acos exists from opset 7 on');
  assert.equal(opArity('MyCustomOp', 13), undefined);
  assert.ok(ARITY_TABLE_MAX_OPSET >= 21);
  assert.equal(opArity('Gemm', ARITY_TABLE_MAX_OPSET + 5)?.minInputs, 2, 'newer opsets keep the newest schema');
  assert.equal(opArity('ReduceMean', 18)?.maxInputs, 2, 'axes became an input at opset 18');
});

test('a Gemm with a single input is rejected, naming file, graph, node, op and range', () => {
  const bad = modelBytes([{ op: 'Gemm', name: 'fc1', inputs: ['x'], outputs: ['y'] }], 13);
  rejects(bad, "graph 'g' node 'fc1' (Gemm) has 1 input, but Gemm at opset 13 takes 2 to 3");
  const ok = modelBytes([{ op: 'Gemm', name: 'fc1', inputs: ['x', 'w'], outputs: ['y'] }], 13);
  assert.equal(decodeModel(ok).graph.nodes[0]?.inputs.length, 2);
});

test('the range follows the model opset: Gemm needs C before opset 11', () => {
  const twoInputs = (opset: number): Uint8Array =>
    modelBytes([{ op: 'Gemm', inputs: ['a', 'b'], outputs: ['y'] }], opset);
  rejects(twoInputs(9), 'node #0 (Gemm) has 2 inputs, but Gemm at opset 9 takes 3');
  assert.doesNotThrow(() => decodeModel(twoInputs(11)));
});

test('BatchNormalization with 3 inputs or too many outputs is rejected', () => {
  rejects(modelBytes([{ op: 'BatchNormalization', name: 'bn', inputs: ['x', 's', 'b'], outputs: ['y'] }], 15),
    "node 'bn' (BatchNormalization) has 3 inputs", 'takes 5');
  const bn = { op: 'BatchNormalization', name: 'bn', inputs: ['x', 's', 'b', 'm0', 'v0'] };
  rejects(modelBytes([{ ...bn, outputs: ['y', 'm', 'v', 'extra'] }], 15), 'has 4 outputs', 'gives 1 to 3');
  assert.doesNotThrow(() => decodeModel(modelBytes([{ ...bn, outputs: ['y'] }], 15)));
});

test("optional inputs and outputs given as '' count as given; trailing optional outputs may be omitted", () => {
  const lstm = { op: 'LSTM', inputs: ['X', 'W', 'R', '', '', '', '', 'P'], outputs: ['', 'Y_h'] };
  assert.equal(decodeModel(modelBytes([lstm], 14)).graph.nodes[0]?.opType, 'LSTM');
  // Nine inputs: one past LSTM's 8, even though the extra ones are empty.
  rejects(modelBytes([{ ...lstm, inputs: [...lstm.inputs, ''] }], 14), 'has 9 inputs', 'takes 3 to 8');
  assert.doesNotThrow(() => decodeModel(modelBytes([{ op: 'Dropout', inputs: ['x'], outputs: ['y'] }], 13)));
  // Clip-11+: min and max are optional inputs; an empty min still counts.
  assert.doesNotThrow(() => decodeModel(modelBytes([{ op: 'Clip', inputs: ['x', '', 'hi'], outputs: ['y'] }], 13)));
});

test('custom-domain ops and model-local functions are not checked against the standard table', () => {
  const custom = { op: 'Gemm', domain: 'com.example', inputs: ['x'], outputs: ['y'] };
  assert.doesNotThrow(() => decodeModel(modelBytes([custom], 13)));
  const local = { op: 'Relu', inputs: ['x', 'z', 'w'], outputs: ['y'] };
  rejects(modelBytes([local], 13), 'has 3 inputs');
  assert.doesNotThrow(() => decodeModel(modelBytes([local], 13, { functions: ['Relu'] })));
});

test('nodes inside subgraphs are checked too', () => {
  const inner = {
    name: 'then', node: [{ opType: 'Gemm', name: 'inner_fc', input: ['x'], output: ['t'] }], output: [{ name: 't' }],
  };
  const bytes = toBinary(ModelProtoSchema, create(ModelProtoSchema, {
    irVersion: 8n,
    opsetImport: [{ version: 13n }],
    graph: {
      input: [{ name: 'c' }, { name: 'x' }],
      output: [{ name: 'y' }],
      node: [{
        opType: 'If', name: 'branch', input: ['c'], output: ['y'],
        attribute: [
          { name: 'then_branch', type: AT.GRAPH, g: inner }, { name: 'else_branch', type: AT.GRAPH, g: inner },
        ],
      }],
    },
  }));
  rejects(bytes, "main graph node 'branch' (If) attribute 'then_branch' (graph 'then')",
    "node 'inner_fc' (Gemm) has 1 input");
});
