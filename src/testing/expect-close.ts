/** Numeric assertions for tests: elementwise closeness with relative and absolute tolerances. */
import assert from 'node:assert/strict';

export interface CloseOptions {
  /** Relative tolerance (default 1e-5). */
  readonly rtol?: number;
  /** Absolute tolerance (default 1e-6). */
  readonly atol?: number;
  /** Prefix for the failure message. */
  readonly what?: string;
}

/** Asserts |a - b| <= atol + rtol * |b| elementwise, reporting the worst element on failure. */
export function expectClose(actual: ArrayLike<number> | number, expected: ArrayLike<number> | number, opts: CloseOptions = {}): void {
  const a = typeof actual === 'number' ? [actual] : actual;
  const e = typeof expected === 'number' ? [expected] : expected;
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-6;
  const what = opts.what ?? 'values';
  assert.equal(a.length, e.length, `${what}: length ${a.length} != expected ${e.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = e[i] as number;
    const excess = Math.abs(x - y) - (atol + rtol * Math.abs(y));
    if (Number.isNaN(x) !== Number.isNaN(y) || excess > worstExcess) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    assert.fail(`${what}: element ${worst} is ${a[worst]}, expected ${e[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}
