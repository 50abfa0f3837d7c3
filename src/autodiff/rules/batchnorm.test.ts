// BatchNormalization rule in float64 (gradcheck defaults: eps 1e-6, rtol 1e-6, atol 1e-6): inference
// mode with every input differentiated, and a training-mode node whose momentum is not 0 (batch
// statistics recomputed in the backward pass). The toTrainingForward path is tested in training-mode.test.ts.
import { test } from 'node:test';
import { buildModel, opModel, uniform } from '../../testing/grad-models.js';
import { gradcheck } from '../../testing/gradcheck.js';

const C = 3;

test('BatchNormalization inference: gradients of x, scale, bias, mean and var', async () => {
  const model = opModel('BatchNormalization', [
    { name: 'x', shape: [2, C, 3, 2] },
    { name: 'scale', shape: [C] },
    { name: 'bias', shape: [C] },
    { name: 'mean', shape: [C] },
    { name: 'var', shape: [C] },
  ], { epsilon: 1e-2 });
  await gradcheck(model, { inputs: { var: uniform([C], 0.5, 2) } });
});

test('BatchNormalization training_mode 1 with momentum 0.9: batch statistics recomputed', async () => {
  const model = buildModel([{ name: 'x', shape: [3, C, 4] }, { name: 'scale', shape: [C] }, { name: 'bias', shape: [C] }], (b, [x, s, bi]) => {
    const mean = b.constant([0.1, 0.2, 0.3], [C], 'rm', 'float64');
    const variance = b.constant([1, 2, 3], [C], 'rv', 'float64');
    const [y] = b.opN('BatchNormalization', [x, s, bi, mean, variance], 3, { training_mode: 1, momentum: 0.9 });
    return y as NonNullable<typeof y>;
  });
  await gradcheck(model);
});
