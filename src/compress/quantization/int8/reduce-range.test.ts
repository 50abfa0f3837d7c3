import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlimnetError } from '../../../ir/errors.js';
import { Tensor } from '../../../ir/tensor.js';
import type { KernelArithmetic } from '../../../runtime/int8-arithmetic.js';
import type { Int8KernelInfo } from '../../../runtime/int8-kernels.js';
import { chooseWeightRange, type ReduceRange } from './reduce-range.js';
import { quantizeWeight, weightQmax } from './weights.js';

const kernels = (arithmetic: KernelArithmetic) => async (): Promise<Int8KernelInfo> =>
  ({ arithmetic, source: 'env', description: `test kernels: ${arithmetic}` });

test('reduce range: auto follows the kernels, on / off are fixed, off on saturating kernels warns', async () => {
  const cases: Array<[ReduceRange, KernelArithmetic, 7 | 8, boolean]> = [
    ['auto', 'exact', 8, false], ['auto', 'pairwise-saturating', 7, false],
    ['on', 'exact', 7, false], ['on', 'pairwise-saturating', 7, false],
    ['off', 'exact', 8, false], ['off', 'pairwise-saturating', 8, true],
  ];
  for (const [mode, arithmetic, bits, warns] of cases) {
    const c = await chooseWeightRange(mode, kernels(arithmetic));
    assert.equal(c.bits, bits, `${mode} on ${arithmetic}`);
    assert.equal(c.warning !== undefined, warns, `${mode} on ${arithmetic}`);
    assert.equal(c.kernels, arithmetic);
    assert.match(c.reason, new RegExp(`${bits}-bit weights.*test kernels`));
  }
  await assert.rejects(chooseWeightRange('maybe' as ReduceRange, kernels('exact')), SlimnetError);
});

test('7-bit weights: scale max|w| / 63, every value in [-63, 63], error at most half a step', () => {
  assert.equal(weightQmax(8), 127);
  assert.equal(weightQmax(7), 63);
  const w = Tensor.f32([2, 4], [0.63, -0.315, 0.1, -0.63, 2, 1.01, -1.99, 0.5]);
  for (const bits of [7, 8] as const) {
    const q = quantizeWeight(w, 0, bits);
    const qmax = weightQmax(bits);
    assert.deepEqual([...q.scales], [Math.fround(0.63 / qmax), Math.fround(2 / qmax)]);
    for (let i = 0; i < 8; i++) {
      const s = q.scales[Math.floor(i / 4)] as number;
      assert.ok(Math.abs(q.data[i] as number) <= qmax);
      const err = Math.abs((q.data[i] as number) * s - (w.data[i] as number));
      assert.ok(err <= s / 2 + 1e-7, `${bits} bits, element ${i}`);
    }
    assert.equal(q.data[0], qmax);
    assert.equal(q.data[4], qmax);
  }
  assert.deepEqual([...quantizeWeight(w, 0, 7).data], [63, -32, 10, -63, 63, 32, -63, 16]);
});
