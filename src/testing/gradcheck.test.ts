import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { buildModel, opModel } from './grad-models.js';
import { analyticGradients, expectGradient, gradcheck } from './gradcheck.js';

test('gradcheck samples at most maxElements per input and reports what it checked', async () => {
  const m = opModel('Mul', [{ name: 'a', shape: [10, 10] }, { name: 'b', shape: [10] }]);
  const r = await gradcheck(m, { maxElements: 16 });
  assert.equal(r.checked, 16 + 10);
  assert.ok(r.maxAbsError < 1e-8);
  assert.deepEqual(Object.keys(r.grads).sort(), ['a', 'b']);
});

test('the projection is seeded: the same seed gives the same gradients, another seed others', async () => {
  const m = opModel('Exp', [{ name: 'x', shape: [3] }]);
  const [g1, g2, g3] = await Promise.all([1, 1, 2].map(async (seed) => (await analyticGradients(m, { seed })).grads['x']?.toNumbers()));
  assert.deepEqual(g1, g2);
  assert.notDeepEqual(g1, g3);
});

test('expectGradient compares with a hand-computed gradient and names the wrong element', async () => {
  const m = opModel('Mul', [{ name: 'x', shape: [3] }, { name: 'y', shape: [3] }]);
  const inputs = { x: Tensor.f64([3], [1, 2, 3]), y: Tensor.f64([3], [4, 5, 6]) };
  await expectGradient(m, 'x', [4, 5, 6], { inputs });
  await assert.rejects(expectGradient(m, 'x', [4, 5, 7], { inputs }), /gradient of 'x' \[2\] \(flat 2\) is 6, expected 7/);
});

test('an input the outputs do not depend on gets a zero gradient (and the numbers agree)', async () => {
  const m = buildModel([{ name: 'x', shape: [2] }, { name: 'u', shape: [2] }], (b, [x]) => b.op('Neg', [x as Value]));
  const r = await gradcheck(m);
  assert.deepEqual(r.grads['u']?.toNumbers(), [0, 0]);
});

test('float32 graphs use the float32 defaults (eps 1e-2) and still catch a 5% error', async () => {
  const m = opModel('Sigmoid', [{ name: 'x', shape: [4] }], {}, { dtype: 'float32' });
  await gradcheck(m);
  const off = new Map([['Sigmoid', (c: import('../autodiff/rule.js').GradContext) => {
    const y = c.node.output(0);
    return [c.op('Mul', [c.dOut() as Value, c.op('Mul', [c.op('Mul', [y, c.op('Sub', [c.scalar(1), y])]), c.scalar(1.05)])])];
  }]]);
  await assert.rejects(gradcheck(m, { rules: off }), /d L \/ d x/);
});
