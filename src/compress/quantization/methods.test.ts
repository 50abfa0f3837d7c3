import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../ir/builder.js';
import { Tensor } from '../../ir/tensor.js';
import type { QuantizationMethod } from './method.js';
import { resolveMethodOptions } from '../registry.js';
import { checkMethods, quantizationMethod, quantizationMethods } from './methods.js';
import { quantize } from './quantize.js';

const toy: QuantizationMethod = {
  name: 'toy',
  summary: 'test method',
  options: {
    bits: { type: 'integer', min: 1, max: 8, default: 4, description: 'bits' },
    scale: { type: 'number', description: 'scale' },
    mode: { type: 'string', choices: ['a', 'b'], default: 'a', description: 'mode' },
    flag: { type: 'boolean', description: 'flag' },
  },
  run: async (model) => ({ model, report: {}, summary: [] }),
};

test('resolveMethodOptions parses strings, fills defaults and rejects bad values with the option named', () => {
  assert.deepEqual(resolveMethodOptions(toy, { bits: '3', scale: '0.5', flag: 'true' }), { bits: 3, scale: 0.5, mode: 'a', flag: true });
  assert.deepEqual(resolveMethodOptions(toy, { scale: 2, mode: 'b', flag: false }), { bits: 4, scale: 2, mode: 'b', flag: false });
  assert.deepEqual(resolveMethodOptions(toy, {}), { bits: 4, scale: undefined, mode: 'a', flag: undefined });
  assert.throws(() => resolveMethodOptions(toy, { bits: '2.5' }), /'bits' expects an integer/);
  assert.throws(() => resolveMethodOptions(toy, { bits: '9' }), /'bits' must be in \[1, 8\]/);
  assert.throws(() => resolveMethodOptions(toy, { scale: 'x' }), /'scale' expects a number/);
  assert.throws(() => resolveMethodOptions(toy, { mode: 'c' }), /'mode' must be one of a, b/);
  assert.throws(() => resolveMethodOptions(toy, { flag: 'yes' }), /'flag' expects true or false/);
  assert.throws(() => resolveMethodOptions(toy, { qatEpochs: 2 }), (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT' && /unknown option 'qatEpochs' .*\(valid: bits, scale, mode, flag\)/.test(e.message));
});

test('the registry rejects duplicate or malformed names and option types that disagree between methods', () => {
  assert.throws(() => checkMethods([toy, toy]), /registered twice/);
  assert.throws(() => checkMethods([{ ...toy, name: 'Bad Name' }]), /lower case/);
  const other: QuantizationMethod = { ...toy, name: 'other', options: { bits: { type: 'string', description: 'x' } } };
  assert.throws(() => checkMethods([toy, other]), /'bits' is a string in method 'other' but a integer in 'toy'/);
  assert.deepEqual(quantizationMethods.map((m) => m.name).slice(0, 3), ['int8', 'fixed', 'kmeans']);
  assert.throws(() => quantizationMethod('ternary-magic'), /unknown quantization method 'ternary-magic' \(registered: int8, fixed, kmeans/);
});

test('quantize() runs a registered method, keeps the input untouched and measures size without data', async () => {
  const b = new GraphBuilder('mlp');
  const x = b.input('x', 'float32', ['N', 6]);
  const w = Tensor.f32([6, 4], Array.from({ length: 24 }, (_, i) => Math.sin(i + 1)));
  b.output(b.op('MatMul', [x, b.initializer('w', w)], {}, { name: 'fc' }), 'y');
  const model = b.build();
  const before = Float32Array.from(w.data as Float32Array);
  const r = await quantize(model, { method: 'kmeans', options: { bits: '2', finetuneEpochs: '0' }, measure: { latencyRuns: 1 } });
  assert.deepEqual(model.graph.initializers.get('w')!.initializer!.data, before);
  const q = r.model.graph.initializers.get('w')!.initializer!.data as Float32Array;
  assert.ok(new Set(q).size <= 4);
  assert.equal(r.options.bits, 2);
  assert.ok(r.packed !== undefined && r.packed.bytes.length > 0);
  assert.equal(r.measurement?.error, undefined);
  assert.equal(r.measurement?.size.packed, r.packed.bytes.length);
  assert.deepEqual(r.measurement?.latency.map((l) => l.batchSize), [1, 64]);
  await assert.rejects(quantize(model, { method: 'int8', measure: false }), /needs a data set for calibration/);
});
