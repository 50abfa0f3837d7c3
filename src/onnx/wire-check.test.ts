import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelProtoSchema, TensorProtoSchema } from 'onnx-buf';
import { SlimnetError } from '../ir/errors.js';
import { assertDecodeRejects } from '../testing/decode-rejects.js';
import { decodeModel, decodeTensorProto } from './index.js';
import { findWireProblem, MAX_WIRE_DEPTH } from './wire-check.js';

// Hand-written protobuf bytes: each test builds exactly the (malformed) wire form it is about.
function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if (v === 0n) return [...out, b];
    out.push(b | 0x80);
  }
}
const tag = (field: number, wireType: number): number[] => varint((field << 3) | wireType);
const text = (s: string): number[] => [...Buffer.from(s, 'latin1')];
const len = (field: number, body: number[]): number[] => [...tag(field, 2), ...varint(body.length), ...body];
const u8 = (b: number[]): Uint8Array => new Uint8Array(b);

const IR_VERSION = [...tag(1, 0), ...varint(8)];
const OPSET_13 = len(8, [...tag(2, 0), ...varint(13)]);
/** A node Relu(x) -> y, optionally with extra (possibly malformed) bytes appended inside it. */
const reluNode = (extra: number[] = []): number[] =>
  [...len(4, text('Relu')), ...len(1, text('x')), ...len(2, text('y')), ...extra];
/** A graph with input x, output y and the given node bytes. */
const graphWith = (node: number[]): number[] =>
  [...len(1, node), ...len(11, len(1, text('x'))), ...len(12, len(1, text('y')))];
const model = (graph: number[], extra: number[] = []): Uint8Array =>
  u8([...IR_VERSION, ...OPSET_13, ...len(7, graph), ...extra]);

const FILE = '/models/hostile.onnx';

const rejects = (bytes: Uint8Array, ...needles: string[]): void => assertDecodeRejects(bytes, FILE, ...needles);

test('well-formed bytes pass, unknown fields and both encodings of repeated numbers included', () => {
  const unknown = [
    ...tag(99, 0), ...varint(5), ...len(98, [1, 2, 3]), ...tag(97, 5), 0, 0, 0, 0, ...tag(96, 1), ...Array(8).fill(0),
  ];
  const ok = model(graphWith(reluNode(unknown)), unknown);
  assert.equal(findWireProblem(ok, ModelProtoSchema), undefined);
  assert.deepEqual(decodeModel(ok, { path: FILE }).graph.nodes.map((n) => n.opType), ['Relu']);
  const floatRaw = [...tag(2, 0), ...varint(1), ...len(9, Array(2400).fill(0))];
  const packedDims = [...len(1, [...varint(2), ...varint(300)]), ...floatRaw];
  const plainDims = [...tag(1, 0), ...varint(2), ...tag(1, 0), ...varint(300), ...floatRaw];
  for (const t of [packedDims, plainDims]) {
    assert.equal(findWireProblem(u8(t), TensorProtoSchema), undefined);
    assert.deepEqual(decodeTensorProto(u8(t)).tensor.dims, [2, 300]);
  }
});

test('a known field with the wrong wire type is rejected, naming the field path and offset', () => {
  const bad = model(graphWith([...tag(4, 0), ...varint(5), ...len(1, text('x')), ...len(2, text('y'))]));
  const p = findWireProblem(bad, ModelProtoSchema);
  assert.equal(p?.path, 'ModelProto.graph.node[0].op_type');
  assert.match(p?.problem ?? '', /wire type varint, but its type needs length-delimited/);
  rejects(bad, 'ModelProto.graph.node[0].op_type', `at byte ${p?.offset ?? -1}`);
  // A singular float given as a varint, and a message (the graph) given as a 32-bit value.
  rejects(u8([...IR_VERSION, ...tag(7, 5), 0, 0, 0, 0]), 'ModelProto.graph', 'needs length-delimited');
  const floatAttr = len(5, [...len(1, text('alpha')), ...tag(2, 0), ...varint(1)]);
  rejects(model(graphWith(reluNode(floatAttr))), 'attribute[0].f', 'needs 32-bit');
});

test('a length running past its enclosing message is rejected even when the file holds the bytes', () => {
  const node = reluNode();
  // The graph claims 3 bytes, but its node field inside claims the whole node: it overruns the graph.
  const bad = u8([...IR_VERSION, ...tag(7, 2), ...varint(3), ...len(1, node)]);
  assert.equal(findWireProblem(bad, ModelProtoSchema)?.path, 'ModelProto.graph.node[0]');
  rejects(bad, 'runs past the end of the enclosing message');
  rejects(model(graphWith(reluNode()), [...tag(99, 2), ...varint(1000), 1, 2]), 'length 1000');
});

test('truncated and overlong varints are rejected', () => {
  rejects(model(graphWith(reluNode()), [...tag(99, 0), 0x80, 0x80]), 'varint is truncated');
  rejects(model(graphWith(reluNode()), [...tag(99, 0), ...Array(10).fill(0xff), 0x01]), 'longer than 10 bytes');
  rejects(model(graphWith(reluNode()), [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), 'field tag is longer than 5 bytes');
  rejects(model(graphWith(reluNode()), [...tag(99, 5), 1, 2]), '4-byte value is truncated');
  // A packed int64 run whose last varint does not end inside the run.
  rejects(u8([...IR_VERSION, ...len(7, len(5, len(7, [0x80])))]), 'int64_data', 'truncated');
});

test('groups, wire types 6 and 7 and field number 0 are rejected', () => {
  rejects(model(graphWith(reluNode([...tag(50, 3), ...tag(50, 4)]))), 'node[0]', 'group wire type 3');
  rejects(model(graphWith(reluNode()), tag(99, 4)), 'group wire type 4');
  rejects(model(graphWith(reluNode()), tag(99, 6)), 'invalid wire type 6');
  rejects(model(graphWith(reluNode()), tag(99, 7)), 'invalid wire type 7');
  rejects(model(graphWith(reluNode([...tag(0, 0), 1]))), 'invalid field number 0');
});

test('packed fixed-width arrays must hold whole elements; strings must be UTF-8, bytes need not', () => {
  const floats = u8([...IR_VERSION, ...len(7, len(5, [...tag(2, 0), 1, ...len(4, [0, 0, 0x80])]))]);
  rejects(floats, 'initializer[0].float_data', 'not a whole number of 4-byte values');
  rejects(model(graphWith([...len(4, text('Re\xfflu')), ...len(1, text('x')), ...len(2, text('y'))])),
    'node[0].op_type', 'not valid UTF-8');
  const bytesAttr = len(5, [...len(1, text('s')), ...tag(20, 0), 3, ...len(4, [0xff, 0xfe])]);
  assert.equal(findWireProblem(model(graphWith(reluNode(bytesAttr))), ModelProtoSchema), undefined);
});

test('messages nested deeper than the recursion limit are rejected', () => {
  // node -> attribute -> g (graph) -> node ...: three message levels per step.
  let graph = graphWith(reluNode());
  for (let i = 0; i < MAX_WIRE_DEPTH / 3 + 1; i++) {
    graph = len(1, [...len(4, text('If')), ...len(5, [...len(1, text('then_branch')), ...len(6, graph)])]);
  }
  rejects(model(graph), `deeper than ${MAX_WIRE_DEPTH}`);
});

test('standalone TensorProto files get the same wire check', () => {
  const bad = u8([...tag(1, 0), ...varint(1), ...tag(8, 0), ...varint(3)]);
  assert.throws(() => decodeTensorProto(bad, { path: '/t/input_0.pb' }),
    (e: unknown) => e instanceof SlimnetError && e.code === 'ONNX_DECODE' &&
      /input_0\.pb.*TensorProto\.name/.test(e.message));
});
