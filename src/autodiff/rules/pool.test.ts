// Pooling gradients. onnxruntime lacks float64 MaxUnpool / AveragePool / ConvTranspose kernels, so these
// run in float32. MaxPool inputs are distinct values 0.05 apart (a permutation), so the ±0.01 step never
// changes which element is a window's maximum: tolerances rtol 1e-3, atol 1e-3. AveragePool is linear:
// step 1, same tolerances.
import { test } from 'node:test';
import { Tensor } from '../../ir/tensor.js';
import { opModel } from '../../testing/grad-models.js';
import { expectGradient, gradcheck } from '../../testing/gradcheck.js';
import { Rng } from '../../util/rng.js';
import { maxPoolRules } from './pool.js';

type Attrs = Readonly<Record<string, number | string | readonly number[]>>;

function spaced(dims: readonly number[], seed = 3): Tensor {
  const size = dims.reduce((a, b) => a * b, 1);
  const perm = new Rng(seed).permutation(size);
  return Tensor.f32(dims, Array.from(perm, (p) => (p - size / 2) * 0.05));
}

async function checkMax(x: readonly number[], attrs: Attrs, mode?: 'tie-split' | 'index'): Promise<void> {
  const model = opModel('MaxPool', [{ name: 'x', shape: x }], attrs, { dtype: 'float32' });
  await gradcheck(model, { inputs: { x: spaced(x) }, eps: 0.01, rtol: 1e-3, atol: 1e-3, ...(mode === undefined ? {} : { rules: maxPoolRules(mode) }) });
}

const maxCases: ReadonlyArray<[string, number[], Attrs]> = [
  ['2x2 stride 2', [2, 3, 6, 6], { kernel_shape: [2, 2], strides: [2, 2] }],
  ['2x2 stride 2, pads 1', [1, 2, 5, 5], { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['2x2 stride 2, odd input (floor crops)', [2, 2, 7, 7], { kernel_shape: [2, 2], strides: [2, 2] }],
  ['2x2 stride 2, odd input, ceil_mode', [1, 2, 7, 5], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }],
  ['1-D kernel 3 stride 3, pad 1', [2, 2, 10], { kernel_shape: [3], strides: [3], pads: [1, 1] }],
  ['3x3 stride 2 pad 1 (overlapping windows)', [2, 2, 9, 9], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['2x2 stride 1 dilation 2 (overlapping)', [1, 2, 6, 6], { kernel_shape: [2, 2], dilations: [2, 2] }],
];

for (const [name, x, attrs] of maxCases) {
  for (const mode of ['tie-split', 'index'] as const) {
    test(`MaxPool ${mode} gradient: ${name}`, async () => {
      await checkMax(x, attrs, mode);
    });
  }
}

// Ties: windows [[1,1],[0,0]] (two maxima), [[0,2],[2,2]] (three), [[3,0],[0,0]] (one), all zeros (four).
const TIED = [1, 1, 0, 2, 0, 0, 2, 2, 3, 0, 0, 0, 0, 0, 0, 0];
const tiedModel = (): ReturnType<typeof opModel> => opModel('MaxPool', [{ name: 'x', shape: [1, 1, 4, 4] }], { kernel_shape: [2, 2], strides: [2, 2] }, { dtype: 'float32' });

test('MaxPool tie-split: tied maxima share the window gradient (hand-computed)', async () => {
  const t = 1 / 3;
  const expected = [0.5, 0.5, 0, t, 0, 0, t, t, 1, 0, 0.25, 0.25, 0, 0, 0.25, 0.25];
  await expectGradient(tiedModel(), 'x', expected, { inputs: { x: Tensor.f32([1, 1, 4, 4], TIED) }, rtol: 1e-6, atol: 1e-6 });
});

test('MaxPool index: the first maximum takes the window gradient (PyTorch semantics)', async () => {
  const expected = [1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0];
  await expectGradient(tiedModel(), 'x', expected, { inputs: { x: Tensor.f32([1, 1, 4, 4], TIED) }, rules: maxPoolRules('index'), rtol: 0, atol: 0 });
});

test('MaxPool tie-split: overlapping windows with ties fall back to the index rule', async () => {
  const model = opModel('MaxPool', [{ name: 'x', shape: [1, 1, 3, 3] }], { kernel_shape: [2, 2], strides: [1, 1] }, { dtype: 'float32' });
  // All four 2x2 windows hold the maximum 5 at the centre; each sends its gradient there.
  const x = Tensor.f32([1, 1, 3, 3], [0, 1, 0, 1, 5, 1, 0, 1, 0]);
  await expectGradient(model, 'x', [0, 0, 0, 0, 4, 0, 0, 0, 0], { inputs: { x }, rtol: 0, atol: 0 });
});

const avgCases: ReadonlyArray<[string, number[], Attrs]> = [
  ['2x2 stride 2', [2, 3, 6, 6], { kernel_shape: [2, 2], strides: [2, 2] }],
  ['3x3 stride 2 pads 1, count_include_pad 0', [2, 2, 7, 8], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['3x3 stride 2 pads 1, count_include_pad 1', [2, 2, 7, 8], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }],
  ['3x3 stride 2 asymmetric pads, ceil_mode, exclude pad', [1, 2, 8, 6], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 0, 1], ceil_mode: 1 }],
  ['3x3 stride 2 pads 1, ceil_mode, include pad', [1, 2, 8, 6], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 }],
  ['1-D kernel 4 stride 3 pad 2', [2, 3, 11], { kernel_shape: [4], strides: [3], pads: [2, 2], count_include_pad: 1 }],
];

for (const [name, x, attrs] of avgCases) {
  test(`AveragePool gradient: ${name}`, async () => {
    const model = opModel('AveragePool', [{ name: 'x', shape: x }], attrs, { dtype: 'float32' });
    await gradcheck(model, { eps: 1, rtol: 1e-3, atol: 1e-3 });
  });
}

test('GlobalAveragePool gradient', async () => {
  await gradcheck(opModel('GlobalAveragePool', [{ name: 'x', shape: [2, 3, 5, 4] }], {}, { dtype: 'float32' }), { eps: 1, rtol: 1e-3, atol: 1e-3 });
});

test('GlobalMaxPool gradient, and ties share the gradient', async () => {
  const model = opModel('GlobalMaxPool', [{ name: 'x', shape: [2, 3, 4, 3] }], {}, { dtype: 'float32' });
  await gradcheck(model, { inputs: { x: spaced([2, 3, 4, 3]) }, eps: 0.01, rtol: 1e-3, atol: 1e-3 });
  const one = opModel('GlobalMaxPool', [{ name: 'x', shape: [1, 1, 2, 2] }], {}, { dtype: 'float32' });
  await expectGradient(one, 'x', [0.5, 0, 0.5, 0], { inputs: { x: Tensor.f32([1, 1, 2, 2], [2, 1, 2, -1]) }, rtol: 1e-6, atol: 1e-6 });
});
