/** Tests of the XNOR kernel skip with a message when the native addon is not built, except under CI=true. */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { xnorAddon } from '../kernels/xnor/addon.js';

/** True when the test may use the addon; otherwise skips `t` (or fails it under CI) and returns false. */
export function needsXnorAddon(t: TestContext): boolean {
  const s = xnorAddon();
  if (s.ok) return true;
  if (process.env.CI === 'true') assert.fail(s.reason);
  t.skip(s.reason);
  return false;
}
