import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../ir/builder.js';
import { Tensor } from '../../ir/tensor.js';
import { Session } from '../../runtime/session.js';
import { expectClose } from '../../testing/expect-close.js';
import { Rng } from '../../util/rng.js';
import { decompose } from './decompose.js';
import { convModel, randomKernel } from './fixtures.js';
import { analyseLayers } from './layers.js';

function rand(n: number, rng: Rng): number[] {
  return Array.from({ length: n }, () => rng.normal());
}

test('analyseLayers reads Gemm (transB 0 / 1), MatMul rows and conv geometry, and says why other layers cannot be factored', () => {
  const rng = new Rng(1);
  const b = new GraphBuilder('mixed');
  const x = b.input('input', 'float32', ['N', 2, 6, 6]);
  const c = b.op('Conv', [x, b.initializer('c.w', Tensor.f32([4, 2, 3, 3], rand(72, rng)))], { kernel_shape: [3, 3], auto_pad: 'SAME_LOWER', strides: [2, 2] }, { name: 'same' });
  const g = b.op('Conv', [c, b.initializer('g.w', Tensor.f32([4, 2, 3, 3], rand(72, rng)))], { kernel_shape: [3, 3], group: 2, pads: [1, 1, 1, 1] }, { name: 'grouped' });
  const f = b.op('Reshape', [g, b.constInt64([0, 4, 9])]);
  const m = b.op('MatMul', [f, b.initializer('m.w', Tensor.f32([9, 5], rand(45, rng)))], {}, { name: 'mm' });
  const flat = b.op('Flatten', [m], { axis: 1 });
  const w = Tensor.f32([20, 3], rand(60, rng));
  b.output(b.op('Gemm', [flat, b.initializer('fc.w', w)], { transB: 0 }, { name: 'fc' }), 'output');
  const { layers, unfactorable } = analyseLayers(b.build());
  assert.deepEqual(unfactorable.map((u) => [u.node.name, u.reason]), [['grouped', 'grouped convolution (group 2)']]);
  const same = layers.find((l) => l.node.name === 'same');
  assert.ok(same?.kind === 'conv');
  // SAME_LOWER, input 6, stride 2, kernel 3: output 3, total padding 2·2 + 3 − 6 = 1, put at the beginning.
  assert.deepEqual(same.geometry.pads, [1, 1, 0, 0]);
  assert.deepEqual(same.outSize, [3, 3]);
  const mm = layers.find((l) => l.node.name === 'mm');
  assert.ok(mm?.kind === 'fc' && mm.rows === 4 && mm.weight.rows === 5 && mm.weight.cols === 9);
  const fc = layers.find((l) => l.node.name === 'fc');
  assert.ok(fc?.kind === 'fc' && fc.weight.rows === 3 && fc.weight.cols === 20);
  // W (out × in) = Bᵀ for transB 0: element (2, 7) is B[7, 2].
  assert.equal(fc.weight.data[2 * 20 + 7], w.data[7 * 3 + 2]);
});

test('svd of a Gemm with transB 0 and of a MatMul on [N, T, in] inputs keeps the outputs at full rank', async () => {
  const rng = new Rng(2);
  const b = new GraphBuilder('seq');
  const x = b.input('input', 'float32', ['N', 3, 6]);
  const m = b.op('MatMul', [x, b.initializer('m.w', Tensor.f32([6, 4], rand(24, rng)))], {}, { name: 'mm' });
  const flat = b.op('Flatten', [m], { axis: 1 });
  b.output(b.op('Gemm', [flat, b.initializer('fc.w', Tensor.f32([12, 5], rand(60, rng))), b.initializer('fc.b', Tensor.f32([5], rand(5, rng)))], { transB: 0 }, { name: 'fc' }), 'output');
  const model = b.build();
  const r = decompose(model, { method: 'svd', rank: 100, onlyIfSmaller: false });
  assert.deepEqual(r.report.layers.map((l) => l.ranks), [[4], [5]]);
  assert.equal(r.report.layers[0]?.before.macs, 3 * 6 * 4);
  const feed = { input: Tensor.f32([2, 3, 6], rand(36, rng)) };
  const outs = [];
  for (const mdl of [model, r.model]) {
    const s = await Session.create(mdl, { threads: 1 });
    outs.push((await s.run(feed)).output?.data as Float32Array);
    await s.release();
  }
  expectClose(outs[1] as Float32Array, outs[0] as Float32Array, { rtol: 1e-4, atol: 1e-4 });
});

test('a conv whose weight is a graph input is reported as unfactorable, and conv1 of a 1-channel input skips its 1×1 in Tucker-2', () => {
  const b = new GraphBuilder('dyn');
  const x = b.input('input', 'float32', ['N', 2, 5, 5]);
  const wIn = b.input('w', 'float32', [3, 2, 3, 3]);
  b.output(b.op('Conv', [x, wIn], { kernel_shape: [3, 3] }, { name: 'dynamic' }), 'output');
  assert.match(analyseLayers(b.build()).unfactorable[0]?.reason ?? '', /not an initializer/);
  const first = decompose(convModel({ input: [1, 12, 12], pads: [2, 2, 2, 2], weight: randomKernel([16, 1, 5, 5]) }), { method: 'tucker2', rank: 4 });
  assert.deepEqual(first.report.layers[0]?.ranks, [4, 1]);
  assert.deepEqual(first.report.layers[0]?.nodes, ['conv/tucker_core', 'conv/tucker_out']);
});
