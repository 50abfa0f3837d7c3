// DFT gradients (forward / inverse, real / complex input, one-sided, dft_length padding and truncation,
// other axes, opset 17 attribute and opset 20 input forms) against central differences in float64.
import { test } from 'node:test';
import type { GraphBuilder } from '../../ir/builder.js';
import type { Value } from '../../ir/value.js';
import { opModel } from '../../testing/grad-models.js';
import { gradcheck } from '../../testing/gradcheck.js';

test('DFT gradient: forward, real and complex input, power-of-two and odd lengths', async () => {
  await gradcheck(opModel('DFT', [{ name: 'x', shape: [2, 8, 1] }], { axis: 1 }));
  await gradcheck(opModel('DFT', [{ name: 'x', shape: [2, 6, 2] }], { axis: 1 }));
  await gradcheck(opModel('DFT', [{ name: 'x', shape: [3, 7, 2] }], { axis: 1 }));
});

test('DFT gradient: one-sided real input (even and odd n)', async () => {
  await gradcheck(opModel('DFT', [{ name: 'x', shape: [2, 8, 1] }], { axis: 1, onesided: 1 }));
  await gradcheck(opModel('DFT', [{ name: 'x', shape: [2, 7, 1] }], { axis: 1, onesided: 1 }));
});

test('DFT gradient: inverse, complex and real input', async () => {
  await gradcheck(opModel('DFT', [{ name: 'x', shape: [2, 8, 2] }], { axis: 1, inverse: 1 }));
  await gradcheck(opModel('DFT', [{ name: 'x', shape: [2, 5, 1] }], { axis: 1, inverse: 1 }));
});

const len = (n: number) => (b: GraphBuilder): Value[] => [b.constInt64([n], [])];

test('DFT gradient: dft_length pads (inverse of a half spectrum) and truncates', async () => {
  await gradcheck(opModel('DFT', [{ name: 'x', shape: [2, 5, 2] }], { axis: 1, inverse: 1 }, { extra: len(8) }));
  await gradcheck(opModel('DFT', [{ name: 'x', shape: [2, 8, 1] }], { axis: 1 }, { extra: len(6) }));
  await gradcheck(opModel('DFT', [{ name: 'x', shape: [2, 4, 1] }], { axis: 1, onesided: 1 }, { extra: len(7) }));
});

test('DFT gradient: another axis (rank 4), and the opset-20 axis input', async () => {
  await gradcheck(opModel('DFT', [{ name: 'x', shape: [2, 3, 4, 2] }], { axis: 2 }));
  await gradcheck(opModel('DFT', [{ name: 'x', shape: [2, 3, 4, 1] }], { onesided: 1 }, { opset: 20 }));
  await gradcheck(opModel('DFT', [{ name: 'x', shape: [2, 3, 4, 2] }], { inverse: 1 }, { opset: 20, extra: (b) => [undefined, b.constInt64([1], [])] }));
});
