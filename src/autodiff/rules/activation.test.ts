import { test } from 'node:test';
import { awayFrom, buildModel, opModel } from '../../testing/grad-models.js';
import { gradcheck } from '../../testing/gradcheck.js';

const X = { name: 'x', shape: [2, 3, 4] };

// [op, attributes, kinks to keep inputs away from, dtype, opset]
const cases: ReadonlyArray<[string, Record<string, number>, number[], 'float32' | 'float64', number]> = [
  ['Relu', {}, [0], 'float64', 17],
  ['LeakyRelu', { alpha: 0.1 }, [0], 'float32', 17],
  ['Elu', { alpha: 0.7 }, [0], 'float32', 17],
  ['Sigmoid', {}, [], 'float64', 17],
  ['Tanh', {}, [], 'float64', 17],
  ['Softplus', {}, [], 'float32', 17],
  ['HardSigmoid', { alpha: 0.3, beta: 0.4 }, [-0.4 / 0.3, 0.6 / 0.3], 'float32', 17],
  ['HardSwish', {}, [-3, 3], 'float32', 14],
];
for (const [op, attrs, kinks, dtype, opset] of cases) {
  test(`${op} (${dtype})`, async () => {
    const x = awayFrom(X.shape, kinks, 0.05, 11, dtype, 2);
    await gradcheck(opModel(op, [X], attrs, { dtype, opset }), { inputs: { x } });
  });
}

test('PRelu: input and slope, slope broadcast [3,1,1] over [2,3,2,2]', async () => {
  const m = opModel('PRelu', [{ name: 'x', shape: [2, 3, 2, 2] }, { name: 's', shape: [3, 1, 1] }], {}, { dtype: 'float32' });
  await gradcheck(m, { inputs: { x: awayFrom([2, 3, 2, 2], [0], 0.05, 3, 'float32') } });
});

test('Clip with min/max inputs (opset 13), one bound omitted, and ReLU6', async () => {
  const x = awayFrom(X.shape, [-0.5, 0.8, 0, 6], 0.05, 5, 'float64', 3);
  const both = opModel('Clip', [X], {}, { opset: 13, extra: (b) => [b.constant(-0.5, [], 'lo', 'float64'), b.constant(0.8, [], 'hi', 'float64')] });
  await gradcheck(both, { inputs: { x } });
  const maxOnly = buildModel([X], (b, [v]) => b.op('Clip', [v, undefined, b.constant(0.8, [], 'hi', 'float64')]), { opset: 13 });
  await gradcheck(maxOnly, { inputs: { x } });
  const relu6 = opModel('Clip', [X], {}, { opset: 13, extra: (b) => [b.constant(0, [], 'lo', 'float64'), b.constant(6, [], 'hi', 'float64')] });
  await gradcheck(relu6, { inputs: { x } });
});

test('Clip with min/max attributes (opset 6-10 form)', async () => {
  const x = awayFrom(X.shape, [-0.5, 0.8], 0.05, 5, 'float32', 2);
  await gradcheck(opModel('Clip', [X], { min: -0.5, max: 0.8 }, { opset: 10, dtype: 'float32' }), { inputs: { x } });
});

for (const op of ['Softmax', 'LogSoftmax']) {
  test(`${op}: axis 1 and default axis at opset 13`, async () => {
    await gradcheck(opModel(op, [X], { axis: 1 }, { opset: 13 }));
    await gradcheck(opModel(op, [X], {}, { opset: 13 }));
  });
  test(`${op}: opset 11 coerces to 2-D at axis (default 1, and axis 2)`, async () => {
    await gradcheck(opModel(op, [X], {}, { opset: 11 }));
    await gradcheck(opModel(op, [X], { axis: -1 }, { opset: 11 }));
  });
}

