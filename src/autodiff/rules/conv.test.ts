// Conv / ConvTranspose gradients against central differences. onnxruntime has no float64 Conv kernels, so
// these run in float32; the ops are linear in each input, so a large step (eps 1) is exact up to float32
// rounding of the outputs: tolerances rtol 1e-3, atol 1e-3.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { opModel } from '../../testing/grad-models.js';
import { gradcheck } from '../../testing/gradcheck.js';
import type { GradientRule } from '../rule.js';
import { convGradOptions, convRules, type ConvGradOptions } from './conv.js';

type Attrs = Readonly<Record<string, number | string | readonly number[]>>;
const TOL = { eps: 1, rtol: 1e-3, atol: 1e-3 };

async function check(op: string, x: readonly number[], w: readonly number[], attrs: Attrs, bias?: number): Promise<void> {
  const inputs = [{ name: 'x', shape: x }, { name: 'w', shape: w }];
  if (bias !== undefined) inputs.push({ name: 'b', shape: [bias] });
  await gradcheck(opModel(op, inputs, attrs, { dtype: 'float32' }), TOL);
}

const convCases: ReadonlyArray<[string, number[], number[], Attrs, number?]> = [
  ['3x3 pad 1 with bias', [2, 3, 7, 7], [4, 3, 3, 3], { pads: [1, 1, 1, 1] }, 4],
  ['stride 2, (in + 2p - k) odd', [2, 3, 8, 8], [4, 3, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }, 4],
  ['dilation 2, asymmetric pads', [1, 2, 9, 8], [3, 2, 3, 3], { dilations: [2, 2], pads: [1, 0, 2, 1] }],
  ['groups 2, stride 2', [2, 4, 6, 6], [6, 2, 3, 3], { group: 2, strides: [2, 2], pads: [1, 1, 1, 1] }, 6],
  ['depthwise stride 1 (flipped conv)', [2, 4, 6, 6], [4, 1, 3, 3], { group: 4, pads: [1, 1, 1, 1] }, 4],
  ['depthwise multiplier 2, stride 2, odd size', [2, 3, 7, 7], [6, 1, 3, 3], { group: 3, strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['7x7 stride 2 pad 3', [1, 3, 15, 15], [4, 3, 7, 7], { strides: [2, 2], pads: [3, 3, 3, 3] }],
  ['1x1 stride 3 (windows skip trailing rows)', [2, 3, 8, 7], [2, 3, 1, 1], { strides: [3, 3] }],
  ['auto_pad SAME_UPPER stride 2', [1, 2, 7, 6], [3, 2, 3, 3], { auto_pad: 'SAME_UPPER', strides: [2, 2] }],
  ['1-D stride 3 asymmetric pads', [2, 3, 10], [5, 3, 4], { strides: [3], pads: [1, 2] }, 5],
  ['1-D depthwise dilation 2', [2, 4, 9], [4, 1, 3], { group: 4, dilations: [2], pads: [2, 2] }],
  ['stride 1 asymmetric pads, groups 2, dilation (2,1)', [2, 4, 6, 6], [6, 2, 3, 3], { group: 2, dilations: [2, 1], pads: [2, 1, 2, 0] }],
  ['LeNet-like 5x5 valid', [2, 1, 12, 12], [3, 1, 5, 5], {}, 3],
  ['pointwise groups 3 (ShuffleNet 1x1)', [2, 6, 5, 5], [9, 2, 1, 1], { group: 3 }, 9],
  ['pointwise, few rows (columns are the input)', [2, 4, 3, 4], [5, 4, 1, 1], {}],
];

const variants: ReadonlyArray<[string, ConvGradOptions | undefined]> = [
  ['default formulation', undefined],
  ['flipped conv always, im2col weight gradient', { flippedConv: 'always', weightGrad: 'auto', im2colLimit: 1e9, im2colMinRows: 0 }],
  ['ConvTranspose input gradient, grouped-conv weight gradient', { flippedConv: 'never', weightGrad: 'grouped-conv', im2colLimit: 0, im2colMinRows: 0 }],
];

for (const [name, x, w, attrs, bias] of convCases) {
  test(`Conv gradient: ${name}`, async (t) => {
    for (const [label, opts] of variants) {
      await t.test(label, async () => {
        const saved = { ...convGradOptions };
        Object.assign(convGradOptions, opts ?? {});
        try {
          await check('Conv', x, w, attrs, bias);
        } finally {
          Object.assign(convGradOptions, saved);
        }
      });
    }
  });
}

const convTransposeCases: ReadonlyArray<[string, number[], number[], Attrs, number?]> = [
  ['stride 2 pads 1 output_padding 1, bias', [2, 4, 5, 5], [4, 3, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, 3],
  ['groups 2 asymmetric pads', [1, 4, 4, 4], [4, 2, 3, 3], { group: 2, strides: [2, 2], pads: [0, 1, 1, 0] }],
  ['1-D dilation 2 stride 3', [2, 3, 5], [3, 2, 3], { strides: [3], dilations: [2], pads: [1, 1] }],
];

for (const [name, x, w, attrs, bias] of convTransposeCases) {
  test(`ConvTranspose gradient: ${name}`, async () => {
    await check('ConvTranspose', x, w, attrs, bias);
  });
}

test('a wrong Conv weight gradient is caught (the check can fail)', async () => {
  const right = convRules['Conv'] as GradientRule;
  const wrong: GradientRule = (c) => right(c).map((g, i) => (i === 1 && g !== undefined ? c.op('Mul', [g, c.scalar(1.01)]) : g));
  const model = opModel('Conv', [{ name: 'x', shape: [1, 2, 5, 5] }, { name: 'w', shape: [2, 2, 3, 3] }], { strides: [2, 2] }, { dtype: 'float32' });
  await assert.rejects(gradcheck(model, { ...TOL, rules: new Map([['Conv', wrong]]) }), /d L \/ d w/);
});
