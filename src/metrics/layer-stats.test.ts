import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../ir/builder.js';
import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { layerStats, modelStats } from './layer-stats.js';

const filled = (dims: number[], v = 0.1): Tensor => Tensor.f32(dims, new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(v));

/** Caffe's LeNet-5 (no activation after the convolutions). */
function lenet(): Model {
  const b = new GraphBuilder('lenet');
  const x = b.input('data', 'float32', ['N', 1, 28, 28]);
  const c1 = b.op('Conv', [x, b.initializer('conv1_w', filled([20, 1, 5, 5])), b.initializer('conv1_b', filled([20]))], {}, { name: 'conv1' });
  const p1 = b.op('MaxPool', [c1], { kernel_shape: [2, 2], strides: [2, 2] }, { name: 'pool1' });
  const c2 = b.op('Conv', [p1, b.initializer('conv2_w', filled([50, 20, 5, 5])), b.initializer('conv2_b', filled([50]))], {}, { name: 'conv2' });
  const p2 = b.op('MaxPool', [c2], { kernel_shape: [2, 2], strides: [2, 2] }, { name: 'pool2' });
  const f = b.op('Flatten', [p2], {}, { name: 'flatten' });
  const ip1 = b.op('Gemm', [f, b.initializer('ip1_w', filled([500, 800])), b.initializer('ip1_b', filled([500]))], { transB: 1 }, { name: 'ip1' });
  const r = b.op('Relu', [ip1], {}, { name: 'relu1' });
  const ip2 = b.op('Gemm', [r, b.initializer('ip2_w', filled([10, 500])), b.initializer('ip2_b', filled([10]))], { transB: 1 }, { name: 'ip2' });
  b.output(ip2, 'prob');
  return b.build();
}

test('LeNet-5: 431,080 parameters and 2,293,000 MACs, matching a hand count', () => {
  const handParams = (20 * 1 * 5 * 5 + 20) + (50 * 20 * 5 * 5 + 50) + (800 * 500 + 500) + (500 * 10 + 10);
  const handMacs = 20 * 1 * 25 * (24 * 24) + 50 * 20 * 25 * (8 * 8) + 800 * 500 + 500 * 10;
  assert.equal(handParams, 431_080);
  assert.equal(handMacs, 288_000 + 1_600_000 + 400_000 + 5_000);
  const s = modelStats(lenet());
  assert.equal(s.params, 431_080);
  assert.equal(s.nonzeroParams, 431_080);
  assert.equal(s.macs, 2_293_000);
  assert.equal(s.denseFp32Bytes, 431_080 * 4);
  assert.equal(s.storedBytes, 431_080 * 4);
  assert.equal(s.initializerBytes, 431_080 * 4);
  assert.deepEqual(s.uncounted, []);
  assert.deepEqual(s.unknownShapes, []);
  const byName = new Map(s.layers.map((l) => [l.name, l]));
  assert.deepEqual(byName.get('conv1')?.outputShape, [1, 20, 24, 24]);
  assert.deepEqual(byName.get('pool2')?.outputShape, [1, 50, 4, 4]);
  assert.deepEqual(byName.get('flatten')?.outputShape, [1, 800]);
  assert.equal(byName.get('conv2')?.macs, 1_600_000);
  assert.equal(byName.get('ip1')?.params, 400_500);
  assert.equal(byName.get('ip1')?.elementOps, 500, 'bias adds are element ops, not MACs');
  assert.equal(byName.get('pool1')?.macs, 0);
  assert.equal(byName.get('pool1')?.elementOps, 20 * 12 * 12 * 4);
  assert.equal(byName.get('conv1')?.activationBytes, 20 * 24 * 24 * 4);
  // activations: 11520 + 2880 + 3200 + 800 + 800 + 500 + 500 + 10
  assert.equal(s.activationElements, 11_520 + 2_880 + 3_200 + 800 + 800 + 500 + 500 + 10);
  // peak: conv1's output and the live input while it runs vs. conv1 + pool1 outputs
  assert.equal(s.peakActivationBytes, (11_520 + 2_880) * 4);
});

test('batch size scales MACs and activations but not parameters', () => {
  const s = modelStats(lenet(), { batchSize: 8 });
  assert.equal(s.batchSize, 8);
  assert.equal(s.params, 431_080);
  assert.equal(s.macs, 8 * 2_293_000);
  assert.equal(layerStats(lenet(), { batchSize: 2 })[0]?.activationElements, 2 * 11_520);
});

test('depthwise and grouped convolution MACs divide by groups', () => {
  const b = new GraphBuilder('dw');
  const x = b.input('x', 'float32', ['N', 32, 14, 14]);
  const dw = b.op('Conv', [x, b.initializer('dw', Tensor.f32([32, 1, 3, 3]))], { group: 32, pads: [1, 1, 1, 1] }, { name: 'dw' });
  const g = b.op('Conv', [dw, b.initializer('g', Tensor.f32([16, 8, 3, 3]))], { group: 4 }, { name: 'grouped' });
  b.output(g);
  const [dwRow, gRow] = layerStats(b.build());
  assert.equal(dwRow?.macs, 32 * 14 * 14 * 1 * 9);
  assert.equal(dwRow?.params, 32 * 9);
  assert.equal(gRow?.macs, 16 * 12 * 12 * (32 / 4) * 9);
});

test('batched MatMul, ConvTranspose and LSTM MACs', () => {
  const b = new GraphBuilder('mm');
  const a = b.input('a', 'float32', ['N', 5, 3, 4]);
  b.output(b.op('MatMul', [a, b.initializer('w', Tensor.f32([4, 6]))], {}, { name: 'mm' }));
  const x = b.input('x', 'float32', [1, 4, 5, 5]);
  b.output(b.op('ConvTranspose', [x, b.initializer('wt', Tensor.f32([4, 2, 3, 3]))], { strides: [2, 2] }, { name: 'up' }));
  const seq = b.input('seq', 'float32', [7, 2, 10]);
  const outs = b.opN('LSTM', [seq, b.initializer('W', Tensor.f32([2, 64, 10])), b.initializer('R', Tensor.f32([2, 64, 16]))], 3,
    { hidden_size: 16, direction: 'bidirectional' }, { name: 'lstm' });
  b.output(outs[0] ?? a);
  const rows = new Map(layerStats(b.build(), { batchSize: 2 }).map((l) => [l.name, l]));
  assert.equal(rows.get('mm')?.macs, 2 * 5 * 3 * 6 * 4);
  assert.equal(rows.get('up')?.macs, 4 * 25 * 2 * 9);
  assert.equal(rows.get('lstm')?.macs, 7 * 2 * 2 * 64 * (10 + 16));
  assert.equal(rows.get('lstm')?.params, 2 * 64 * 10 + 2 * 64 * 16);
});

test('nonzero counting, shared initializers counted once, Constant weights, quantized storage', () => {
  const b = new GraphBuilder('share');
  const x = b.input('x', 'float32', ['N', 4]);
  const w = b.initializer('w', Tensor.f32([4, 4], [1, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 4, 5, 6, 0]));
  const h = b.op('MatMul', [b.op('MatMul', [x, w], {}, { name: 'first' }), w], {}, { name: 'second' });
  const k = b.op('Constant', [], { value: Tensor.f32([4], [1, 0, 1, 0]) });
  const biased = b.op('Add', [h, k], {}, { name: 'bias' });
  const wq = b.initializer('wq', new Tensor('int8', [4, 3], new Int8Array([1, 2, 0, 0, 5, 6, 7, 8, 9, 1, 2, 3])));
  const deq = b.op('DequantizeLinear', [wq, b.constant(0.1)], {}, { name: 'deq' });
  b.output(b.op('MatMul', [biased, deq], {}, { name: 'head' }));
  const s = modelStats(b.build());
  const rows = new Map(s.layers.map((l) => [l.name, l]));
  assert.equal(rows.get('first')?.params, 16);
  assert.equal(rows.get('first')?.nonzeroParams, 6);
  assert.equal(rows.get('second')?.params, 0, 'shared weight counted at its first use');
  assert.equal(rows.get('bias')?.params, 4);
  assert.equal(rows.get('deq')?.paramBytes, 12);
  assert.equal(s.params, 16 + 4 + 12);
  assert.equal(s.nonzeroParams, 6 + 2 + 10);
  assert.equal(s.storedBytes, 16 * 4 + 4 * 4 + 12);
  assert.equal(s.denseFp32Bytes, 32 * 4);
  assert.equal(rows.get('head')?.macs, 3 * 4);
});

test('unknown ops are listed as uncounted, never thrown', () => {
  const b = new GraphBuilder('custom');
  const x = b.input('x', 'float32', ['N', 8]);
  const y = b.op('FusedThing', [x, b.initializer('fw', Tensor.f32([8, 8]))], {}, { name: 'fused', domain: 'com.example' });
  b.output(b.op('Gemm', [y, b.initializer('w', Tensor.f32([8, 2]))], {}, { name: 'fc' }));
  const s = modelStats(b.build());
  assert.deepEqual(s.uncounted, ['FusedThing']);
  assert.equal(s.layers[0]?.params, 64);
  assert.equal(s.layers[0]?.counted, false);
  assert.deepEqual(s.unknownShapes, ['fc']);
  assert.equal(s.macs, 0);
});
