// Gemm / MatMul gradients against central differences in float64 (onnxruntime has double kernels for
// both): gradcheck defaults, eps 1e-6, rtol 1e-6, atol 1e-6.
import { test } from 'node:test';
import { opModel } from '../../testing/grad-models.js';
import { gradcheck } from '../../testing/gradcheck.js';

for (const transA of [0, 1]) {
  for (const transB of [0, 1]) {
    test(`Gemm gradient: transA ${transA} transB ${transB}, alpha 0.7, beta 1.3, C broadcast [1,5]`, async () => {
      const a = transA === 1 ? [4, 3] : [3, 4];
      const b = transB === 1 ? [5, 4] : [4, 5];
      const model = opModel('Gemm', [{ name: 'a', shape: a }, { name: 'b', shape: b }, { name: 'c', shape: [1, 5] }], { transA, transB, alpha: 0.7, beta: 1.3 });
      await gradcheck(model);
    });
  }
}

test('Gemm gradient: C as a vector [5], a scalar [], and [3,1]; no C', async () => {
  for (const c of [[5], [], [3, 1]]) {
    await gradcheck(opModel('Gemm', [{ name: 'a', shape: [3, 4] }, { name: 'b', shape: [5, 4] }, { name: 'c', shape: c }], { transB: 1 }));
  }
  await gradcheck(opModel('Gemm', [{ name: 'a', shape: [3, 4] }, { name: 'b', shape: [4, 5] }]));
});

const matmulCases: ReadonlyArray<[string, number[], number[]]> = [
  ['2-D', [3, 4], [4, 5]],
  ['batched', [2, 3, 4], [2, 4, 5]],
  ['broadcast batch [2,1,3,4] @ [3,4,5]', [2, 1, 3, 4], [3, 4, 5]],
  ['batched @ matrix', [2, 3, 4], [4, 5]],
  ['matrix @ batched', [3, 4], [2, 4, 5]],
  ['1-D @ batched', [4], [2, 4, 5]],
  ['batched @ 1-D', [2, 3, 4], [4]],
  ['1-D @ 2-D', [4], [4, 5]],
  ['1-D @ 1-D', [4], [4]],
];

for (const [name, a, b] of matmulCases) {
  test(`MatMul gradient: ${name}`, async () => {
    await gradcheck(opModel('MatMul', [{ name: 'a', shape: a }, { name: 'b', shape: b }]));
  });
}
