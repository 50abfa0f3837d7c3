// Circulant layers: forward equals the dense circ(r)·D·x reference in both forms and layouts, gradients
// of r and x through the DFT path by finite differences, form conversion, end-to-end training.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../../ir/builder.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import { Session } from '../../../runtime/session.js';
import { expectClose } from '../../../testing/expect-close.js';
import { gradcheck } from '../../../testing/gradcheck.js';
import { Rng } from '../../../util/rng.js';
import { blobs, tinyMlp } from '../common/fixtures.js';
import { emitSignedGather } from '../common/signed-table.js';
import { circulant, circulantLayers } from './circulant.js';
import { emitCirculantIndex } from './emit-dense.js';
import { emitFftLayer } from './emit-fft.js';
import { circulantForm, circulantModeOf, readCirculantLayers, readVector } from './layers.js';
import { circulantApply, circulantIndex, circulantSize } from './structure.js';

type Layout = 'gemm-t' | 'gemm' | 'matmul';

/** One fully-connected layer in -> out with the given layout (bias for Gemm, Add after MatMul). */
function layer(inF: number, outF: number, layout: Layout, seed = 1): Model {
  const rng = new Rng(seed);
  const r = (n: number): number[] => Array.from({ length: n }, () => rng.normal());
  const b = new GraphBuilder('fc');
  const x = b.input('x', 'float32', ['N', inF]);
  const w = b.initializer('w', Tensor.f32(layout === 'gemm-t' ? [outF, inF] : [inF, outF], r(inF * outF)));
  const bias = b.initializer('bias', Tensor.f32([outF], r(outF)));
  const y = layout === 'matmul'
    ? b.op('Add', [b.op('MatMul', [x, w], {}, { name: 'fc' }), bias])
    : b.op('Gemm', [x, w, bias], { transB: layout === 'gemm-t' ? 1 : 0 }, { name: 'fc' });
  b.output(y, 'y');
  return b.build(17);
}

async function run(model: Model, x: Tensor): Promise<number[]> {
  const s = await Session.create(model, { threads: 1 });
  try {
    return (await s.run({ x }, ['y'])).y?.toNumbers() ?? [];
  } finally {
    await s.release();
  }
}

test('circulantIndex and circulantApply agree with the explicit circulant matrix', () => {
  const r = [1, 2, 3, 4, 5];
  const signs = Int8Array.from([1, -1, 1]);
  const idx = circulantIndex(4, 3, 5, signs);
  // row i of circ(r) is r[(i - j) mod 5]; column j multiplied by signs[j]
  const want = [[1, -5, 4], [2, -1, 5], [3, -2, 1], [4, -3, 2]].flat();
  assert.deepEqual(Array.from(idx, (s) => ((s & 1) === 1 ? -1 : 1) * (r[s >> 1] as number)), want);
  assert.deepEqual(Array.from(circulantApply(r, signs, [1, 1, 1], 4)), [0, 6, 2, 3]);
  assert.deepEqual([circulantSize(784, 300), circulantSize(300, 100, 'exact'), circulantSize(5, 12, 16)], [1024, 300, 16]);
  assert.throws(() => circulantSize(10, 4, 8), /size must be an integer >= max/);
});

for (const [inF, outF] of [[8, 8], [12, 5], [5, 12]] as const) {
  test(`forward equals circ(r)·D·x + bias: ${inF} -> ${outF}, every layout, fft and dense forms, pow2 and exact sizes`, async () => {
    const x = Tensor.f32([3, inF], Array.from({ length: 3 * inF }, (_, i) => Math.sin(1.3 * i)));
    for (const layout of ['gemm-t', 'gemm', 'matmul'] as const) {
      const base = layer(inF, outF, layout);
      const bias = base.graph.initializers.get('bias')?.initializer?.toNumbers() ?? [];
      for (const mode of ['fft', 'dense'] as const) {
        for (const size of ['pow2', 'exact'] as const) {
          const { model, layers } = circulantLayers(base, { mode, size, init: 'random', seed: 3 });
          const l = layers[0];
          assert.ok(l !== undefined);
          const r = readVector(model, l);
          const signs = Int8Array.from(model.graph.initializers.get(l.signName)?.initializer?.toNumbers() ?? []);
          const want = [0, 1, 2].flatMap((n) => Array.from(circulantApply(r, signs, x.toNumbers().slice(n * inF, (n + 1) * inF), outF), (v, i) => v + (bias[i] as number)));
          expectClose(await run(model, x), want, { rtol: 1e-4, atol: 1e-5, what: `${layout} ${mode} ${size}` });
        }
      }
    }
  });
}

test("'project' init is the least-squares circulant fit: a circulant weight is recovered exactly", async () => {
  const base = layer(6, 6, 'gemm-t');
  const { model: first, layers } = circulantLayers(base, { mode: 'dense', size: 'exact', init: 'random', seed: 8 });
  const l = layers[0];
  assert.ok(l !== undefined);
  const dense = circulantForm(first, 'dense');
  // put the generated weight back as a plain dense weight, then project again with the same seed
  const w = Float32Array.from(circulantIndex(6, 6, 6, Int8Array.from(dense.graph.initializers.get(l.signName)?.initializer?.toNumbers() ?? [])), (s) => ((s & 1) === 1 ? -1 : 1) * (readVector(dense, l)[s >> 1] as number));
  const wv = base.graph.initializers.get('w');
  if (wv !== undefined) wv.initializer = new Tensor('float32', [6, 6], w);
  const again = circulantLayers(base, { mode: 'fft', size: 'exact', init: 'project', seed: 8 });
  expectClose(readVector(again.model, l), readVector(first, l), { rtol: 1e-6, atol: 1e-7 });
});

test('gradients of r and x through the FFT form (float64) match central differences', async () => {
  for (const [inF, outF, d] of [[8, 8, 8], [7, 4, 8], [3, 6, 7]] as const) {
    const b = new GraphBuilder('circ');
    const x = b.input('x', 'float64', [2, inF]);
    const r = b.input('r', 'float64', [1, d, 1]);
    const signs = b.initializer('signs', new Tensor('int8', [inF], Int8Array.from({ length: inF }, (_, j) => (j % 3 === 1 ? -1 : 1))));
    b.output(emitFftLayer(b, { prefix: 'c', inFeatures: inF, outFeatures: outF, size: d, opset: 17 }, x, r, signs), 'y');
    await gradcheck(b.build(17));
  }
});

test('gradient of r through the dense (gathered) form matches central differences', async () => {
  const b = new GraphBuilder('circ');
  const x = b.input('x', 'float64', [2, 5]);
  const r = b.input('r', 'float64', [8, 1]);
  const signs: Value = b.initializer('signs', new Tensor('int8', [5], Int8Array.from([1, -1, -1, 1, 1])));
  const w = emitSignedGather(b, 'g', r, 8, emitCirculantIndex(b, 'c', 5, 3, 8, signs, true), [3, 5]);
  b.output(b.op('Gemm', [x, w], { transB: 1 }), 'y');
  await gradcheck(b.build(17));
});

test('circulantForm switches fft <-> dense with identical outputs and metadata', async () => {
  const base = tinyMlp(2);
  const { model: fft } = circulantLayers(base, { init: 'random', seed: 5 });
  const dense = circulantForm(fft, 'dense');
  const back = circulantForm(dense, 'fft');
  const x = Tensor.f32([4, 12], Array.from({ length: 48 }, (_, i) => Math.cos(0.4 * i)));
  const y = await run(fft, x);
  expectClose(await run(dense, x), y, { rtol: 1e-5, atol: 1e-6 });
  expectClose(await run(back, x), y, { rtol: 1e-6, atol: 1e-7 });
  assert.deepEqual(readCirculantLayers(back), readCirculantLayers(fft));
  assert.deepEqual(readCirculantLayers(fft).map((l) => [circulantModeOf(fft, l), circulantModeOf(dense, l)]), [['fft', 'dense'], ['fft', 'dense']]);
  assert.ok(!fft.graph.nodes.some((n) => n.name === 'fc1') && dense.graph.nodes.some((n) => n.name === 'fc1'));
});

test('circulant trains end to end in either form; params O(d)', async () => {
  const base = tinyMlp(3);
  for (const mode of ['fft', 'dense'] as const) {
    const r = await circulant(base, { mode, init: 'random', seed: 1, train: { dataset: blobs(), epochs: 3, lr: 0.05, inProcess: true, threads: 1 } });
    const before = circulantLayers(base, { mode, init: 'random', seed: 1 }).model;
    const l = r.layers[0];
    assert.ok(l !== undefined);
    assert.notDeepEqual(Array.from(readVector(r.model, l)), Array.from(readVector(before, l)));
    assert.ok((r.report.testError ?? 1) < 0.1, `${mode}: test error ${r.report.testError}`);
    assert.equal(r.report.paramsAfter, 32 + 20 + 32 + 4);
    assert.deepEqual(r.report.layers.map((x) => x.params), [32, 32]);
  }
});

test('layers that cannot be circulant are rejected with the reason', () => {
  const b = new GraphBuilder('bad');
  const x = b.input('x', 'float32', ['N', 3, 4]);
  b.output(b.op('MatMul', [x, b.initializer('w', Tensor.f32([4, 5]))], {}, { name: 'mm' }), 'y');
  assert.throws(() => circulantLayers(b.build(17)), /'mm' cannot be made circulant: its input has rank 3/);
  assert.throws(() => circulantLayers(tinyMlp(), { size: 4 }), /size must be an integer >= max/);
});
