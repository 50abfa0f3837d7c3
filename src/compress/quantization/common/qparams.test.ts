import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeQParams, dequantizeValue, fakeQuantizeValue, quantizeArray, quantizeValue, roundHalfEven, sqnrDb } from './qparams.js';

test('roundHalfEven rounds ties to even like ONNX QuantizeLinear', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven), [0, 2, 2, 4, -0, -2, -2, 2, -3]);
});

test('asymmetric uint8 parameters: scale = range / 255, zero point = round(-min / scale)', () => {
  const qp = computeQParams(-1, 3, 'uint8', false);
  assert.equal(qp.scale, Math.fround(4 / 255));
  assert.equal(qp.zeroPoint, 64); // 1 / (4/255) = 63.75 -> 64
  assert.equal(quantizeValue(0, qp), 64);
  assert.equal(quantizeValue(3, qp), 255);
  assert.equal(quantizeValue(-1, qp), 0);
});

test('ranges are widened to include zero; a non-negative range has zero point 0', () => {
  const qp = computeQParams(0.5, 2.55, 'uint8', false);
  assert.equal(qp.zeroPoint, 0);
  assert.equal(qp.scale, Math.fround(2.55 / 255));
  assert.equal(quantizeValue(-5, qp), 0);
});

test('symmetric parameters: int8 zero point 0, uint8 zero point 128, scale = max|x| / 127', () => {
  const a = computeQParams(-2, 1, 'int8', true);
  assert.deepEqual(a, { scale: Math.fround(2 / 127), zeroPoint: 0, type: 'int8' });
  const b = computeQParams(-0.5, 1.27, 'uint8', true);
  assert.equal(b.zeroPoint, 128);
  assert.equal(b.scale, Math.fround(1.27 / 127));
});

test('quantize saturates and dequantize inverts on the grid', () => {
  const qp = { scale: 0.5, zeroPoint: 10, type: 'int8' as const };
  assert.equal(quantizeValue(1000, qp), 127);
  assert.equal(quantizeValue(-1000, qp), -128);
  assert.equal(quantizeValue(1.25, qp), 12); // 2.5 -> 2 (half to even), + 10
  assert.equal(quantizeValue(1.75, qp), 14); // 3.5 -> 4
  assert.equal(dequantizeValue(14, qp), 2);
  assert.equal(fakeQuantizeValue(0.3, qp), 0.5);
  assert.deepEqual([...quantizeArray([0, 300], { scale: 1, zeroPoint: 0, type: 'uint8' })], [0, 255]);
});

test('sqnrDb: 20 dB for a 10 % error, Infinity when equal', () => {
  assert.ok(Math.abs(sqnrDb([1, 1], [1.1, 0.9]) - 20) < 1e-9);
  assert.equal(sqnrDb([1, 2], [1, 2]), Infinity);
});
