import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor } from '../../ir/tensor.js';
import { buildModel, opModel, uniform } from '../../testing/grad-models.js';
import { gradcheck } from '../../testing/gradcheck.js';

const A = { name: 'a', shape: [2, 3, 4] };
const B = { name: 'b', shape: [3, 1] };

for (const op of ['Add', 'Sub', 'Mul']) {
  test(`${op}: both inputs, broadcast [2,3,4] with [3,1]`, async () => {
    await gradcheck(opModel(op, [A, B]));
    await gradcheck(opModel(op, [B, A]));
  });
}

test('Div: both inputs, broadcast', async () => {
  await gradcheck(opModel('Div', [A, B]), { inputs: { b: uniform([3, 1], 0.5, 2) } });
  await gradcheck(opModel('Div', [B, A]), { inputs: { a: uniform([2, 3, 4], 0.5, 2) } });
});

test('Pow: base and exponent, broadcast; constant integer exponent', async () => {
  await gradcheck(opModel('Pow', [A, B]), { inputs: { a: uniform([2, 3, 4], 0.5, 2), b: uniform([3, 1], -1.5, 2.5) } });
  await gradcheck(opModel('Pow', [B, A]), { inputs: { b: uniform([3, 1], 0.5, 2), a: uniform([2, 3, 4], -1.5, 2.5) } });
  const cube = opModel('Pow', [{ name: 'x', shape: [5] }], {}, { extra: (b) => [b.constInt64([3], [])] });
  await gradcheck(cube);
});

const unaryCases: ReadonlyArray<[string, number, number]> = [
  ['Neg', -2, 2], ['Sqrt', 0.3, 3], ['Exp', -2, 2], ['Log', 0.3, 3], ['Abs', 0.1, 2], ['Reciprocal', 0.4, 3], ['Identity', -2, 2],
];
for (const [op, lo, hi] of unaryCases) {
  test(`${op}`, async () => {
    const x = uniform([3, 4], lo, hi);
    const data = x.data as Float64Array;
    if (op === 'Abs') for (let i = 0; i < x.size; i += 2) data[i] = -(data[i] as number);
    await gradcheck(opModel(op, [{ name: 'x', shape: [3, 4] }]), { inputs: { x } });
  });
}

test('Erf (float32 kernel)', async () => {
  await gradcheck(opModel('Erf', [{ name: 'x', shape: [3, 4] }], {}, { dtype: 'float32' }));
});

test('Cast float32 -> float64 and back', async () => {
  const m = buildModel([{ name: 'x', shape: [2, 3], dtype: 'float32' }], (b, [x]) => {
    const d = b.op('Cast', [x], { to: 11 });
    return b.op('Cast', [b.op('Mul', [d, d])], { to: 1 });
  });
  await gradcheck(m);
});

test('Sum and Mean: three inputs with broadcasting', async () => {
  const ins = [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }, { name: 'c', shape: [2, 1] }];
  await gradcheck(opModel('Sum', ins));
  await gradcheck(opModel('Mean', ins, {}, { dtype: 'float32' })); // onnxruntime has no float64 Mean
});

test('Where: both branches with broadcasting, condition gets no gradient', async () => {
  const cond = new Tensor('bool', [2, 3], Uint8Array.from([1, 0, 1, 0, 0, 1]));
  const m = opModel('Where', [{ name: 'c', shape: [2, 3], dtype: 'bool' }, { name: 'x', shape: [2, 3] }, { name: 'y', shape: [3] }]);
  const r = await gradcheck(m, { inputs: { c: cond } });
  assert.deepEqual(Object.keys(r.grads).sort(), ['x', 'y']);
  // x's gradient is the projection where the condition holds, 0 elsewhere.
  const proj = r.projection['out0'] as Tensor;
  assert.deepEqual([...(r.grads['x'] as Tensor).toNumbers()], proj.toNumbers().map((v, i) => (cond.data[i] ? v : 0)));
});

test('gradcheck fails on a wrong rule, naming the worst element', async () => {
  const wrong = new Map([['Exp', (c: import('../rule.js').GradContext) => [c.op('Mul', [c.dOut() as import('../../ir/value.js').Value, c.scalar(1.01)])]]]);
  await assert.rejects(gradcheck(opModel('Exp', [{ name: 'x', shape: [4] }]), { rules: wrong }), /d L \/ d x\[\d\] \(flat \d\) is .*expected/);
});
