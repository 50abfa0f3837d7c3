import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSlimnetError } from '../../../ir/errors.js';
import { effectiveMethodOptions } from './methods.js';

const unknown = (pattern: RegExp) => (e: unknown): boolean =>
  isSlimnetError(e, 'INVALID_ARGUMENT') && pattern.test(e.message);

test('an option key the method does not read is refused, listing the valid keys', () => {
  assert.doesNotThrow(() => effectiveMethodOptions('magnitude', { scope: 'layer', normalize: true }, 0.9));
  assert.throws(() => effectiveMethodOptions('magnitude', { scope: 'layer', sharpness: 3 }, 0.9),
    unknown(/unknown option 'sharpness' for pruning method 'magnitude' \(valid: scope, normalize\)/));
  assert.throws(() => effectiveMethodOptions('data-free', { ratio: 0.5 }, 0.9), unknown(/valid: none/));
  assert.throws(() => effectiveMethodOptions('iterative', { cycle: 2 }, 0.9), unknown(/'cycle'.*cycles/));
});

test("a schedule's criterion brings its options along, and only its own", () => {
  assert.doesNotThrow(() => effectiveMethodOptions('iterative', { criterion: 'obd', samples: 64, labels: 'sampled' }, 0.9));
  assert.throws(() => effectiveMethodOptions('iterative', { samples: 64 }, 0.9), unknown(/'samples'/));
  assert.throws(() => effectiveMethodOptions('agp', { criterion: 'obd', damping: 0.1 }, 0.9), unknown(/'damping'/));
  assert.doesNotThrow(() => effectiveMethodOptions('agp', { criterion: 'obs', damping: 0.1 }, 0.9));
});
