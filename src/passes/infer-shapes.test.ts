import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../ir/builder.js';
import { ShapeError, UnsupportedOpError } from '../ir/errors.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { inferShapes, inferShapesPass, inferValueInfo } from './infer-shapes.js';
import { runPasses } from './pass.js';

function convNet(xShape: readonly (number | string)[] = ['N', 1, 28, 28]): { b: GraphBuilder; flat: Value; y: Value } {
  const b = new GraphBuilder('net');
  const x = b.input('x', 'float32', xShape);
  const c1 = b.op('Conv', [x, b.initializer('w1', Tensor.f32([20, 1, 5, 5]))], {}, { name: 'conv1' });
  const p1 = b.op('MaxPool', [c1], { kernel_shape: [2, 2], strides: [2, 2] });
  const c2 = b.op('Conv', [p1, b.initializer('w2', Tensor.f32([50, 20, 5, 5]))], {}, { name: 'conv2' });
  const p2 = b.op('MaxPool', [c2], { kernel_shape: [2, 2], strides: [2, 2] });
  // A Shape -> Gather -> Unsqueeze -> Concat -> Reshape chain, as exporters write flatten.
  const batch = b.op('Gather', [b.op('Shape', [p2]), b.constInt64([0], [])], { axis: 0 });
  const target = b.op('Concat', [b.op('Unsqueeze', [batch, b.constInt64([0])]), b.constInt64([-1])], { axis: 0 });
  const flat = b.op('Reshape', [p2, target]);
  const y = b.op('Gemm', [flat, b.initializer('w3', Tensor.f32([10, 800]))], { transB: 1 });
  b.output(y, 'y');
  return { b, flat, y };
}

test('symbolic batch propagates and Shape→Gather→Concat→Reshape folds', () => {
  const { b, flat, y } = convNet();
  const res = inferShapes(b.build());
  assert.equal(res.modified, true);
  assert.deepEqual(flat.shape, ['N', 800]);
  assert.deepEqual(y.shape, ['N', 10]);
  assert.equal(y.dtype, 'float32');
  assert.deepEqual(b.graph.nodes[0]?.output().shape, ['N', 20, 24, 24]);
  assert.equal(inferShapes(res.model).modified, false);
  assert.equal(runPasses(res.model, [inferShapesPass]).modified, false);
});

test('inputShapes specialises symbols; contradictions throw ShapeError', () => {
  const { b, y } = convNet();
  const m = b.build();
  const known = inferValueInfo(m, { inputShapes: { x: [8, 1, 28, 28] } });
  assert.deepEqual(known.get(y)?.shape, [8, 10]);
  assert.equal(y.shape, undefined, 'inferValueInfo does not mutate');
  assert.throws(() => inferValueInfo(m, { inputShapes: { x: [8, 3, 28, 28] } }), (e: unknown) =>
    e instanceof ShapeError && /model input 'x' is declared \[N,1,28,28\]/.test(e.message));
  assert.throws(() => inferValueInfo(m, { inputShapes: { x: [8, 1, 28] } }), ShapeError);
  assert.throws(() => inferValueInfo(m, { inputShapes: { img: [1] } }), /not a model input/);
  const small = convNet(['N', 1, 'H', 'W']).b.build();
  assert.throws(() => inferValueInfo(small, { inputShapes: { x: [8, 1, 10, 10] } }), (e: unknown) =>
    e instanceof ShapeError && e.nodeName === 'conv2');
});

test('a Conv channel mismatch names the node and the expectation', () => {
  const b = new GraphBuilder('bad');
  const x = b.input('x', 'float32', ['N', 3, 8, 8]);
  b.output(b.op('Conv', [x, b.initializer('w', Tensor.f32([4, 2, 3, 3]))], {}, { name: 'stem' }));
  assert.throws(() => inferShapes(b.build()), (e: unknown) =>
    e instanceof ShapeError && e.nodeName === 'stem' && /expected 2, got 3/.test(e.message));
});

test('unknown ops are opaque (declared shapes kept) unless strict', () => {
  const b = new GraphBuilder('custom');
  const x = b.input('x', 'float32', ['N', 4]);
  const a = b.op('MyOp', [x], {}, { domain: 'com.example' });
  const c = b.op('FancyOp', [x]);
  c.shape = ['N', 2];
  c.dtype = 'float32';
  const d = b.op('Relu', [c]);
  const e = b.op('Relu', [a]);
  b.output(d);
  b.output(e);
  const m = b.build();
  inferShapes(m);
  assert.equal(a.shape, undefined);
  assert.equal(e.shape, undefined);
  assert.deepEqual(d.shape, ['N', 2]);
  assert.throws(() => inferShapes(m, { strict: true }), (err: unknown) =>
    err instanceof UnsupportedOpError && err.opType === 'MyOp' && /shape inference/.test(err.message));
});

test('declared numbers fill dims that inference leaves unknown', () => {
  const b = new GraphBuilder('merge');
  const x = b.input('x', 'float32', ['N', 12]);
  const shape = b.input('s', 'int64', [2]);
  const y = b.op('Reshape', [x, shape]);
  y.shape = [null, 3];
  b.output(y);
  inferShapes(b.build());
  assert.deepEqual(y.shape, [null, 3]);
});

test('the rule table covers the supported ops and rejects duplicate families', async () => {
  const { SHAPE_RULES, mergeRuleTables } = await import('./shape-rules/index.js');
  const ops = ['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool',
    'BatchNormalization', 'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Relu', 'LeakyRelu', 'PRelu', 'Sigmoid', 'Tanh', 'Clip',
    'HardSigmoid', 'HardSwish', 'Softplus', 'Exp', 'Log', 'Sqrt', 'Neg', 'Abs', 'Sign', 'Round', 'Floor', 'Ceil',
    'Reciprocal', 'Erf', 'Not', 'Equal', 'Less', 'Greater', 'Where', 'Cast', 'Identity', 'Dropout', 'QuantizeLinear',
    'DequantizeLinear', 'Reshape', 'Flatten', 'Transpose', 'Concat', 'Split', 'Slice', 'Squeeze', 'Unsqueeze', 'Pad',
    'Gather', 'Shape', 'Size', 'ConstantOfShape', 'Constant', 'Expand', 'Tile', 'ReduceMean', 'ReduceSum', 'ReduceMax',
    'ReduceL2', 'ArgMax', 'Softmax', 'LogSoftmax', 'Resize', 'Upsample', 'LSTM', 'GRU', 'RNN', 'MaxUnpool', 'TopK', 'Einsum'];
  assert.deepEqual(ops.filter((op) => !SHAPE_RULES.has(op)), []);
  const rule = (): [] => [];
  assert.throws(() => mergeRuleTables({ a: { Relu: rule }, b: { Relu: rule } }), /'Relu' is defined twice \(families 'a' and 'b'\)/);
});
