import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError } from '../../ir/errors.js';
import { Tensor } from '../../ir/tensor.js';
import { probeOp, probeShapes } from './probe.js';

const w = (dims: number[]): Tensor => Tensor.f32(dims);

test('Conv: SAME_UPPER with stride 2 and dilation 2 keeps ceil(in / stride)', () => {
  const [y] = probeShapes('Conv', [['N', 3, 32, 31], w([8, 3, 3, 3])], { auto_pad: 'SAME_UPPER', strides: [2, 2], dilations: [2, 2] });
  assert.deepEqual(y, ['N', 8, 16, 16]);
  const [z] = probeShapes('Conv', [['N', 3, 'H', 'W'], w([8, 3, 3, 3])], { auto_pad: 'SAME_LOWER' });
  assert.deepEqual(z, ['N', 8, 'H', 'W']);
});

test('Conv: explicit asymmetric pads, per-axis strides and dilations', () => {
  // H: extent 2*(3-1)+1 = 5, floor((7+1+1-5)/2)+1 = 3; W: extent 3, floor((9+2+2-3)/3)+1 = 4
  const [y] = probeShapes('Conv', [[1, 3, 7, 9], w([4, 3, 3, 3])], { pads: [1, 2, 1, 2], strides: [2, 3], dilations: [2, 1] });
  assert.deepEqual(y, [1, 4, 3, 4]);
  const [v] = probeShapes('Conv', [[1, 1, 10, 10], w([1, 1, 4, 4])], { auto_pad: 'VALID', strides: [3, 3] });
  assert.deepEqual(v, [1, 1, 3, 3]);
  const [d1] = probeShapes('Conv', [[2, 4, 10], w([6, 4, 3])]);
  assert.deepEqual(d1, [2, 6, 8]);
});

test('Conv: groups (grouped and depthwise) and the channel check', () => {
  assert.deepEqual(probeShapes('Conv', [[1, 8, 5, 5], w([16, 2, 3, 3])], { group: 4 })[0], [1, 16, 3, 3]);
  assert.deepEqual(probeShapes('Conv', [['N', 32, 14, 14], w([32, 1, 3, 3])], { group: 32, pads: [1, 1, 1, 1] })[0], ['N', 32, 14, 14]);
  assert.throws(() => probeShapes('Conv', [[1, 8, 5, 5], w([16, 3, 3, 3])], { group: 4 }), (e: unknown) =>
    e instanceof ShapeError && /input channels/.test(e.message) && /expected 12, got 8/.test(e.message));
  assert.throws(() => probeShapes('Conv', [[1, 3, 2, 2], w([4, 3, 5, 5])]), ShapeError);
});

test('ConvTranspose: strides, pads, output_padding, groups, output_shape and SAME', () => {
  // 2*(5-1) + 1 + 3 - 1 - 1 = 10; out channels = 2 * group 2
  const attrs = { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1], group: 2 };
  assert.deepEqual(probeShapes('ConvTranspose', [['N', 4, 5, 5], w([4, 2, 3, 3])], attrs)[0], ['N', 4, 10, 10]);
  assert.deepEqual(probeShapes('ConvTranspose', [[1, 4, 5, 5], w([4, 2, 3, 3])], { strides: [2, 2], output_shape: [12, 11] })[0], [1, 2, 12, 11]);
  assert.deepEqual(probeShapes('ConvTranspose', [[1, 4, 5, 6], w([4, 3, 3, 3])], { strides: [2, 2], auto_pad: 'SAME_UPPER' })[0], [1, 3, 10, 12]);
  assert.throws(() => probeShapes('ConvTranspose', [[1, 5, 5, 5], w([4, 2, 3, 3])]), ShapeError);
});

test('MaxPool / AveragePool: floor and ceil modes, dilations, Indices output', () => {
  assert.deepEqual(probeShapes('MaxPool', [['N', 3, 32, 32]], { kernel_shape: [3, 3], strides: [2, 2] })[0], ['N', 3, 15, 15]);
  // span 6+1+1-3 = 5: floor -> 3, ceil -> 4
  const p = { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] };
  assert.deepEqual(probeShapes('MaxPool', [[1, 1, 6, 6]], p)[0], [1, 1, 3, 3]);
  assert.deepEqual(probeShapes('MaxPool', [[1, 1, 6, 6]], { ...p, ceil_mode: 1 })[0], [1, 1, 4, 4]);
  // ceil would give 4, but the 4th window would start in the trailing padding: 3
  assert.deepEqual(probeShapes('AveragePool', [[1, 1, 5, 5]], { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 })[0], [1, 1, 3, 3]);
  assert.deepEqual(probeShapes('AveragePool', [[1, 1, 10, 10]], { kernel_shape: [3, 3], dilations: [2, 2] }, { opset: 19 })[0], [1, 1, 6, 6]);
  const [y, idx] = probeOp('MaxPool', [[1, 2, 4, 4]], { kernel_shape: [2, 2], strides: [2, 2] }, { outputs: 2 });
  assert.deepEqual(y?.shape, [1, 2, 2, 2]);
  assert.equal(idx?.dtype, 'int64');
  assert.deepEqual(idx?.shape, [1, 2, 2, 2]);
});

test('Global pools and MaxUnpool', () => {
  assert.deepEqual(probeShapes('GlobalAveragePool', [['N', 64, 7, 7]])[0], ['N', 64, 1, 1]);
  assert.deepEqual(probeShapes('GlobalMaxPool', [['N', 8, 5]])[0], ['N', 8, 1]);
  const idx = { shape: [1, 1, 2, 2], dtype: 'int64' as const };
  assert.deepEqual(probeShapes('MaxUnpool', [[1, 1, 2, 2], idx], { kernel_shape: [2, 2], strides: [2, 2] })[0], [1, 1, 4, 4]);
  assert.deepEqual(probeShapes('MaxUnpool', [[1, 1, 2, 2], idx, Tensor.i64([4], [1, 1, 5, 5])], { kernel_shape: [2, 2], strides: [2, 2] })[0], [1, 1, 5, 5]);
});

test('quantized convolutions infer like Conv with their own dtypes', () => {
  const x = { shape: [1, 3, 8, 8], dtype: 'uint8' as const };
  const wq = new Tensor('int8', [4, 3, 3, 3]);
  const s = Tensor.scalar(0.1);
  const zp = new Tensor('uint8', []);
  const [q] = probeOp('QLinearConv', [x, s, zp, wq, s, new Tensor('int8', []), s, zp]);
  assert.deepEqual(q?.shape, [1, 4, 6, 6]);
  assert.equal(q?.dtype, 'uint8');
  const [ci] = probeOp('ConvInteger', [x, wq]);
  assert.equal(ci?.dtype, 'int32');
});
