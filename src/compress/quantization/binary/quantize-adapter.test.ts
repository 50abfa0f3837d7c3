import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSlimnetError } from '../../../ir/errors.js';
import { BINARY_QUANTIZE_METHODS, binaryOptionsFromFlags } from './quantize-adapter.js';

test('quantize adapter: one entry per method, flags parsed into trainBinary options', () => {
  assert.deepEqual(BINARY_QUANTIZE_METHODS.map((m) => m.name), ['bc', 'bwn', 'xnor', 'bnn', 'twn', 'ttq', 'dorefa', 'hwgq']);
  const dorefa = BINARY_QUANTIZE_METHODS.find((m) => m.name === 'dorefa')!;
  assert.ok('gradient-bits' in dorefa.flags && !('stochastic' in dorefa.flags));
  assert.deepEqual(dorefa.options({ data: 'mnist', epochs: '2', 'weight-bits': '1', 'activation-bits': '4', limit: '600' }), {
    method: 'dorefa', dataset: 'mnist', datasetOptions: { limit: 600 }, epochs: 2, weightBits: 1, activationBits: 4,
  });
  assert.deepEqual(binaryOptionsFromFlags('xnor', { data: 'fashion-mnist', 'no-activation-scale': true, lr: '0.0005' }), {
    method: 'xnor', dataset: 'fashion-mnist', lr: 0.0005, activationScale: false,
  });
});

test('quantize adapter: typed errors for a missing --data and bad numbers', () => {
  assert.throws(() => binaryOptionsFromFlags('bwn', {}), (e: unknown) => isSlimnetError(e, 'INVALID_ARGUMENT') && /give --data/.test(e.message));
  assert.throws(() => binaryOptionsFromFlags('bwn', { data: 'mnist', epochs: '1.5' }), (e: unknown) => isSlimnetError(e, 'INVALID_ARGUMENT') && /--epochs must be an integer/.test(e.message));
  assert.throws(() => binaryOptionsFromFlags('bwn', { data: 'mnist', lr: '-1' }), (e: unknown) => isSlimnetError(e, 'INVALID_ARGUMENT') && /--lr must be a positive number/.test(e.message));
  assert.throws(() => binaryOptionsFromFlags('bwn', { data: 'mnist', optimizer: 'rmsprop' }), (e: unknown) => isSlimnetError(e, 'INVALID_ARGUMENT') && /--optimizer/.test(e.message));
});
