import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSlimnetError } from '../../../ir/errors.js';
import { checkMethodOptions, effectiveMethodOptions } from './methods.js';

const unknown = (pattern: RegExp) => (e: unknown): boolean =>
  isSlimnetError(e, 'INVALID_ARGUMENT') && pattern.test(e.message);

test('an option key the method does not read is refused, listing the valid keys', () => {
  assert.doesNotThrow(() => checkMethodOptions('magnitude', { scope: 'layer', normalize: true }));
  assert.throws(() => checkMethodOptions('magnitude', { scope: 'layer', sharpness: 3 }),
    unknown(/unknown option 'sharpness' for pruning method 'magnitude' \(valid: scope, normalize\)/));
  assert.throws(() => checkMethodOptions('data-free', { ratio: 0.5 }), unknown(/valid: none/));
  assert.throws(() => effectiveMethodOptions('iterative', { cycle: 2 }, 0.9), unknown(/'cycle'.*cycles/));
});

test("a schedule's criterion brings its options along, and only its own", () => {
  assert.doesNotThrow(() => checkMethodOptions('iterative', { criterion: 'obd', samples: 64, labels: 'sampled' }));
  assert.throws(() => checkMethodOptions('iterative', { samples: 64 }), unknown(/'samples'/));
  assert.throws(() => checkMethodOptions('agp', { criterion: 'obd', damping: 0.1 }), unknown(/'damping'/));
  assert.doesNotThrow(() => checkMethodOptions('agp', { criterion: 'lobs', damping: 0.1 }));
});
