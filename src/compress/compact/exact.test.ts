/**
 * Rewrites that can be exact are: factorize of rank-1-separable filters (fit), the grouped conv + shuffle of
 * a block-structured conv (fit), width 1.0 (nothing changes), widening with Net2Net weights (fit), and a
 * GAP + fc head turned into 1×1 conv + GAP (fit). Outputs are compared through onnxruntime.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../ir/builder.js';
import type { Model } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { expectClose } from '../../testing/expect-close.js';
import { evaluate } from '../../testing/grad-models.js';
import { Rng } from '../../util/rng.js';
import { buildZooModel } from '../../zoo/index.js';
import { shuffledPosition } from '../../zoo/shuffle.js';
import { rewrite } from './rewrite.js';

function input(model: Model, batch = 3): Tensor {
  const dims = [batch, ...(model.graph.inputs[0]?.shape?.slice(1) as number[])];
  const rng = new Rng(11);
  return Tensor.f32(dims, Array.from({ length: dims.reduce((a, d) => a * d, 1) }, () => rng.normal()));
}

async function outputOf(model: Model, x: Tensor): Promise<Float32Array> {
  const out = await evaluate(model, { [model.graph.inputs[0]?.name as string]: x });
  return out[model.graph.outputs[0]?.name as string]?.data as Float32Array;
}

async function expectSameOutputs(a: Model, b: Model, what: string, rtol = 1e-4): Promise<void> {
  const x = input(a);
  expectClose(await outputOf(b, x), await outputOf(a, x), { rtol, atol: 1e-4, what });
}

/** One conv [cout, cin, k, k] with the given weights (stride 2, pad 1, with a bias). */
function convModel(cin: number, cout: number, k: number, weight: (o: number, i: number, y: number, x: number) => number): Model {
  const b = new GraphBuilder('conv');
  const x = b.input('input', 'float32', ['N', cin, 9, 9]);
  const w = Tensor.f32([cout, cin, k, k]);
  for (let o = 0; o < cout; o++) for (let i = 0; i < cin; i++) for (let y = 0; y < k; y++) for (let z = 0; z < k; z++) {
    (w.data as Float32Array)[((o * cin + i) * k + y) * k + z] = weight(o, i, y, z);
  }
  const bias = b.initializer('conv.bias', Tensor.f32([cout], Array.from({ length: cout }, (_, o) => 0.1 * o)));
  const y = b.op('Conv', [x, b.initializer('conv.weight', w), bias], { kernel_shape: [k, k], strides: [2, 2], pads: [1, 1, 1, 1] }, { name: 'conv' });
  b.output(y, 'out');
  return b.build();
}

test('factorize (fit) reproduces a rank-1-separable conv exactly, and reports the fit error of one that is not', async () => {
  const rng = new Rng(3);
  const v = Array.from({ length: 4 * 3 }, () => rng.normal());
  const h = Array.from({ length: 4 * 3 * 3 }, () => rng.normal());
  const separable = convModel(3, 4, 3, (o, i, y, x) => (v[o * 3 + y] as number) * (h[(o * 3 + i) * 3 + x] as number));
  const r = rewrite(separable, { to: 'factorize', init: 'fit', layers: ['conv'] });
  assert.deepEqual(r.model.graph.findNode('conv.1xk')?.input(1).initializer?.dims, [4, 3, 1, 3]);
  assert.deepEqual(r.model.graph.findNode('conv.kx1')?.attrInts('strides'), [2, 1]);
  assert.match(r.report.changes[0]?.detail ?? '', /mean relative error \d\.\d\de-([5-9]|\d\d)\)/);
  await expectSameOutputs(separable, r.model, 'rank-1 filters');
  const full = convModel(3, 4, 3, () => rng.normal());
  const rf = rewrite(full, { to: 'factorize', init: 'fit', layers: ['conv'] });
  assert.match(rf.report.changes[0]?.detail ?? '', /mean relative error [1-9]\.\d\de-1\)/);
  await assert.rejects(expectSameOutputs(full, rf.model, 'full-rank filters'));
});

test('shuffle (fit) of a conv whose weight is block-structured in shuffled order is exact', async () => {
  const [cin, cout, g] = [4, 8, 2];
  const groupOf = new Array<number>(cout);
  for (let q = 0; q < cout; q++) groupOf[shuffledPosition(q, cout, g)] = Math.floor(q / (cout / g));
  const rng = new Rng(5);
  const blocky = convModel(cin, cout, 3, (o, i) => (Math.floor(i / (cin / g)) === groupOf[o] ? rng.normal() : 0));
  const r = rewrite(blocky, { to: 'shuffle', init: 'fit', options: { groups: g } });
  assert.equal(r.model.graph.findNode('conv.gconv')?.attrInt('group', 1), 2);
  assert.equal(r.report.changes[0]?.paramsAfter, (cout * cin * 9) / g + cout);
  await expectSameOutputs(blocky, r.model, 'block-structured conv');
  const dense = convModel(cin, cout, 3, () => rng.normal());
  await assert.rejects(expectSameOutputs(dense, rewrite(dense, { to: 'shuffle', init: 'fit', options: { groups: g } }).model, 'dense conv'));
});

test('width 1.0 changes nothing; widening with fit weights (Net2WiderNet) keeps the function', async () => {
  const vgg = buildZooModel('vgg', { width: 0.25, seed: 2 });
  const same = rewrite(vgg, { to: 'width', options: { widthMult: 1 } });
  assert.equal(same.report.changes.length, 0);
  assert.deepEqual(same.report.after, same.report.before);
  await expectSameOutputs(vgg, same.model, 'width 1.0');
  for (const [zoo, w] of [['vgg', 0.25], ['resnet20', 0.25], ['mobilenet', 0.25], ['lenet5', 0.2]] as const) {
    const model = buildZooModel(zoo, { width: w, seed: 1 });
    const wide = rewrite(model, { to: 'width', init: 'fit', options: { widthMult: 2 } });
    assert.ok(wide.report.after.macs > 3 * wide.report.before.macs, zoo);
    await expectSameOutputs(model, wide.model, `${zoo} widened x2`);
    const fresh = rewrite(model, { to: 'width', options: { widthMult: 2 } });
    await assert.rejects(expectSameOutputs(model, fresh.model, `${zoo} widened x2, new weights`));
  }
});

test('gap (fit): a GAP + fc head becomes 1×1 conv + GAP with the same outputs', async () => {
  const model = buildZooModel('resnet20', { width: 0.25, seed: 4 });
  const r = rewrite(model, { to: 'gap', init: 'fit', options: { head: 'conv' } });
  assert.deepEqual(r.model.graph.nodes.slice(-3).map((n) => n.opType), ['Conv', 'GlobalAveragePool', 'Flatten']);
  await expectSameOutputs(model, r.model, 'GAP + fc -> conv + GAP');
});
