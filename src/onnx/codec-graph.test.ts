import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, fromBinary } from '@bufbuild/protobuf';
import { AttributeProto_AttributeType, AttributeProtoSchema, FunctionProtoSchema, ModelProtoSchema } from 'onnx-buf';
import { attr } from '../ir/attributes.js';
import { GraphBuilder } from '../ir/builder.js';
import { Graph, type Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { Session } from '../runtime/session.js';
import { expectClose } from '../testing/expect-close.js';
import { constantValue, decodeModel, encodeModel } from './index.js';
import { modelSignature } from './signature.js';

function roundTrip(m: Model): Model {
  const once = decodeModel(encodeModel(m));
  const twice = decodeModel(encodeModel(once));
  assert.deepEqual(modelSignature(twice), modelSignature(once));
  return once;
}

async function runBoth(a: Model, b: Model, feeds: Record<string, Tensor>): Promise<void> {
  const sa = await Session.create(a, { threads: 1 });
  const sb = await Session.create(b, { threads: 1 });
  try {
    const ya = await sa.run(feeds);
    const yb = await sb.run(feeds);
    assert.deepEqual(Object.keys(yb).sort(), Object.keys(ya).sort());
    for (const k of Object.keys(ya)) expectClose(yb[k]?.toNumbers() ?? [], ya[k]?.toNumbers() ?? [], { rtol: 0, atol: 0, what: k });
  } finally {
    await sa.release();
    await sb.release();
  }
}

test('Constant-node weights stay nodes, and constantValue reads every Constant form', () => {
  const b = new GraphBuilder('consts');
  const x = b.input('x', 'float32', [2]);
  const mk = (name: string, a: ReturnType<typeof attr.int>): void => {
    const v = b.op('Constant', [], { [name]: a }, { name: `c_${name}` });
    b.output(b.op('Identity', [v]), `y_${name}`);
  };
  const w = Tensor.f32([2], [0.5, -2]);
  mk('value', attr.tensor(w));
  mk('value_float', attr.float(1.25));
  mk('value_floats', attr.floats([1, 2.5]));
  mk('value_int', attr.int(-7));
  mk('value_ints', attr.ints([1, 2 ** 63]));
  const init = b.initializer('bias', Tensor.f32([2], [1, 1]));
  b.output(b.op('Add', [x, init]), 'y');
  const m = roundTrip(b.build());
  const node = (n: string) => m.graph.findNode(n);
  assert.equal(m.graph.nodes.filter((n) => n.opType === 'Constant').length, 5);
  assert.deepEqual(constantValue(node('c_value')?.output() ?? x)?.data, w.data);
  assert.deepEqual(constantValue(node('c_value_float')?.output() ?? x)?.toNumbers(), [1.25]);
  assert.deepEqual(constantValue(node('c_value_floats')?.output() ?? x)?.dims, [2]);
  assert.deepEqual(constantValue(node('c_value_int')?.output() ?? x)?.data, BigInt64Array.from([-7n]));
  assert.deepEqual(constantValue(node('c_value_ints')?.output() ?? x)?.data, BigInt64Array.from([1n, 2n ** 63n - 1n]));
  assert.equal(constantValue(m.graph.initializers.get('bias') ?? x)?.size, 2);
  assert.equal(constantValue(m.graph.inputs[0] ?? x), undefined);
});

test('int attributes keep INT64_MAX and clamp to the int64 range', () => {
  const b = new GraphBuilder('ints');
  const x = b.input('x', 'float32', [4]);
  b.output(b.op('Slice', [x], { starts: [1], ends: [9223372036854775807], axes: [0] }), 'y');
  const n = b.graph.nodes[0];
  n?.setAttr('huge', attr.int(1e30));
  n?.setAttr('tiny', attr.ints([-1e30]));
  const proto = fromBinary(ModelProtoSchema, encodeModel(b.build(9)));
  const attrs = proto.graph?.node[0]?.attribute ?? [];
  assert.deepEqual(attrs.find((a) => a.name === 'ends')?.ints, [9223372036854775807n]);
  assert.equal(attrs.find((a) => a.name === 'huge')?.i, 9223372036854775807n);
  assert.deepEqual(attrs.find((a) => a.name === 'tiny')?.ints, [-9223372036854775808n]);
  const again = fromBinary(ModelProtoSchema, encodeModel(decodeModel(encodeModel(b.build(9)))));
  assert.deepEqual(again.graph?.node[0]?.attribute.find((a) => a.name === 'ends')?.ints, [9223372036854775807n]);
});

test('metadata, doc strings, opsets, value_info and symbolic dims round-trip', () => {
  const b = new GraphBuilder('meta');
  const x = b.input('x', 'float32', ['N', 3, null]);
  x.docString = 'input doc';
  const h = b.op('Relu', [x], {}, { name: 'relu' });
  h.dtype = 'float32';
  h.shape = ['N', 3, null];
  b.graph.declaredValueInfo.add(h.name);
  const k = b.op('Neg', [h], {}, { name: 'neg' });
  k.dtype = 'float32';
  k.shape = ['N', 3, 5];
  const y = b.op('MyOp', [k], { s: 'text', fs: [0.5], ss: ['a', 'b'] }, { name: 'custom', domain: 'com.example' });
  b.output(y, 'y');
  const w = Tensor.f32([1], [3]);
  w.docString = 'tensor doc';
  b.initializer('unused_w', w);
  const m = b.build(13);
  m.opsetImports.set('com.example', 2);
  m.docString = 'model doc';
  m.graph.docString = 'graph doc';
  m.producerName = 'tests';
  m.modelVersion = 42;
  m.metadataProps.set('author', 'me');
  const relu = m.graph.findNode('relu');
  assert.ok(relu);
  relu.docString = 'node doc';
  m.functions = [create(FunctionProtoSchema, { name: 'F', domain: 'com.example', input: ['a'], output: ['b'] })];
  const d = roundTrip(m);
  assert.deepEqual([...d.opsetImports], [['', 13], ['com.example', 2]]);
  assert.equal(d.docString, 'model doc');
  assert.equal(d.graph.docString, 'graph doc');
  assert.equal(d.producerName, 'tests');
  assert.equal(d.modelVersion, 42);
  assert.deepEqual([...d.metadataProps], [['author', 'me']]);
  assert.equal(d.graph.findNode('relu')?.docString, 'node doc');
  assert.equal(d.graph.findNode('custom')?.domain, 'com.example');
  assert.deepEqual(d.graph.findNode('custom')?.attributes.get('ss'), attr.strings(['a', 'b']));
  assert.equal(d.graph.inputs[0]?.docString, 'input doc');
  assert.deepEqual(d.graph.inputs[0]?.shape, ['N', 3, null]);
  assert.equal(d.graph.initializers.get('unused_w')?.initializer?.docString, 'tensor doc');
  assert.deepEqual([...d.graph.declaredValueInfo], [h.name]);
  const dh = d.graph.valuesByName().get(h.name);
  assert.deepEqual([dh?.dtype, dh?.shape], ['float32', ['N', 3, null]]);
  const dk = d.graph.valuesByName().get(k.name);
  assert.deepEqual([dk?.dtype, dk?.shape], [undefined, undefined], 'undeclared value_info is not written by default');
  assert.equal((d.functions[0] as { name?: string }).name, 'F');
  const all = decodeModel(encodeModel(m, { valueInfo: 'all' }));
  assert.deepEqual([...all.graph.declaredValueInfo], [h.name, k.name]);
  assert.deepEqual(all.graph.valuesByName().get(k.name)?.shape, ['N', 3, 5]);
  assert.deepEqual(d.graph.outputs[0]?.dtype, undefined, 'values without type info stay untyped');
});

test('opaque (sparse tensor) attributes are re-encoded as they were', () => {
  const b = new GraphBuilder('opaque');
  const sparse = create(AttributeProtoSchema, {
    name: 'sparse_value',
    type: AttributeProto_AttributeType.SPARSE_TENSOR,
    sparseTensor: { dims: [4n], values: { dims: [1n], dataType: 1, floatData: [5] }, indices: { dims: [1n], dataType: 7, int64Data: [2n] } },
  });
  b.output(b.op('Constant', [], { sparse_value: { type: 'opaque', value: sparse } }), 'y');
  const m = roundTrip(b.build(13));
  const a = m.graph.nodes[0]?.attributes.get('sparse_value');
  assert.equal(a?.type, 'opaque');
  assert.deepEqual((a?.value as typeof sparse).sparseTensor?.values?.floatData, [5]);
  assert.equal(constantValue(m.graph.outputs[0] ?? m.graph.nodes[0]!.output()), undefined);
});

test('If subgraphs decode with outer-scope captures linked to the outer values', async () => {
  const b = new GraphBuilder('cond');
  const x = b.input('x', 'float32', [3]);
  const c = b.input('c', 'bool', []);
  const scale = b.initializer('scale', Tensor.f32([1], [2]));
  const thenB = new GraphBuilder(new Graph('then_body'));
  thenB.graph.captures.set('x', x).set('scale', scale);
  const t = thenB.op('Mul', [x, scale]);
  t.dtype = 'float32';
  thenB.output(t, 'then_out');
  const elseB = new GraphBuilder(new Graph('else_body'));
  elseB.graph.captures.set('x', x);
  const e = elseB.op('Neg', [x]);
  e.dtype = 'float32';
  elseB.output(e, 'else_out');
  b.output(b.op('If', [c], { then_branch: attr.graph(thenB.graph), else_branch: attr.graph(elseB.graph) }), 'y');
  const m = b.build(13);
  const d = roundTrip(m);
  const ifNode = d.graph.nodes[0];
  const tb = ifNode?.attributes.get('then_branch');
  assert.equal(tb?.type, 'graph');
  const sub = tb.value as Graph;
  assert.deepEqual([...sub.captures.keys()].sort(), ['scale', 'x']);
  assert.equal(sub.captures.get('x'), d.graph.inputs[0], 'capture is the outer Value itself');
  assert.ok(d.graph.inputs[0]?.uses.some((u) => u.node.graph === sub), 'outer value sees the subgraph use');
  for (const cond of [0, 1]) {
    await runBoth(m, d, { x: Tensor.f32([3], [1, -2, 3]), c: new Tensor('bool', [], Uint8Array.from([cond])) });
  }
});

test('omitted optional inputs and outputs round-trip and run', async () => {
  const b = new GraphBuilder('optional');
  const x = b.input('x', 'float32', [1, 2, 3]);
  const hi = b.constant(0.5, [], 'hi');
  const clipped = b.op('Clip', [x, undefined, hi], {}, { name: 'clip' });
  const wts = b.initializer('W', Tensor.f32([1, 8, 3], Array.from({ length: 24 }, (_, i) => (i % 5) / 10 - 0.2)));
  const rec = b.initializer('R', Tensor.f32([1, 8, 2], Array.from({ length: 16 }, (_, i) => (i % 3) / 10)));
  const [yAll, yH] = b.opN('LSTM', [clipped, wts, rec], 2, { hidden_size: 2 }, { name: 'lstm' });
  assert.ok(yAll && yH);
  yAll.name = '';
  b.output(yH, 'y_h');
  const m = b.build(14);
  const d = roundTrip(m);
  assert.deepEqual(d.graph.findNode('clip')?.inputs.map((v) => v?.name), ['x', undefined, 'hi']);
  assert.deepEqual(d.graph.findNode('lstm')?.outputs.map((v) => v.name), ['', 'y_h']);
  const proto = fromBinary(ModelProtoSchema, encodeModel(d));
  assert.deepEqual(proto.graph?.node.find((n) => n.name === 'lstm')?.output, ['', 'y_h']);
  assert.deepEqual(proto.graph?.node.find((n) => n.name === 'clip')?.input, ['x', '', 'hi']);
  await runBoth(m, d, { x: Tensor.f32([1, 2, 3], [0.1, 0.9, -0.3, 0.4, 0.2, -1]) });
});

test('initializers that are also graph inputs (old-style models) round-trip as one Value', () => {
  const b = new GraphBuilder('old_style');
  const x = b.input('x', 'float32', [2]);
  const w = b.initializer('w', Tensor.f32([2], [3, 4]));
  b.graph.addInput(w);
  b.output(b.op('Mul', [x, w]), 'y');
  const m = b.build(8);
  m.irVersion = 3;
  const d = roundTrip(m);
  assert.equal(d.irVersion, 3);
  assert.deepEqual(d.graph.inputs.map((v) => v.name), ['x', 'w']);
  assert.equal(d.graph.inputs[1], d.graph.initializers.get('w'), 'input and initializer are one Value');
  assert.deepEqual(d.graph.inputs[1]?.initializer?.toNumbers(), [3, 4]);
  const proto = fromBinary(ModelProtoSchema, encodeModel(d));
  assert.deepEqual(proto.graph?.input.map((v) => v.name), ['x', 'w']);
  assert.deepEqual(proto.graph?.initializer.map((t) => t.name), ['w']);
});
