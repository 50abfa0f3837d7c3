import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../../ir/builder.js';
import { isSlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { expectClose } from '../../../testing/expect-close.js';
import { magnitudePrune, stdOf } from './magnitude.js';
import type { Dataset } from '../../../data/types.js';
import {
  defaultScope, effectiveMethodOptions, registerUnstructuredMethod, unstructuredMethod, unstructuredMethods,
  type MethodContext,
} from './methods.js';
import { agpSparsity, iterativeSparsities } from './schedule.js';

/** x[N,4] → Gemm(a: 3×4, transB) → Relu → Gemm(b: 2×3, transB). `scaleB` multiplies the second layer. */
function twoLayers(a: readonly number[], b: readonly number[]): Model {
  const g = new GraphBuilder('two');
  const x = g.input('x', 'float32', ['N', 4]);
  const h = g.op('Relu', [g.op('Gemm', [x, g.initializer('a.weight', Tensor.f32([3, 4], a)), g.initializer('a.bias', Tensor.f32([3], [0.001, 0, 0]))], { transB: 1 }, { name: 'a' })]);
  g.output(g.op('Gemm', [h, g.initializer('b.weight', Tensor.f32([2, 3], b))], { transB: 1 }, { name: 'b' }), 'y');
  return g.build();
}
const A = [0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8, 0.9, -1.0, 1.1, -1.2];
const B = [1, -2, 3, -4, 5, -6];
const data = (m: Model, n: string): Float32Array => m.graph.initializers.get(n)?.initializer?.data as Float32Array;

test('quality mode: threshold = quality × std of the layer, known tensor', () => {
  const std = stdOf(Float32Array.from(A));
  const expected = Math.sqrt(A.reduce((s, x) => s + x * x, 0) / 12 - (A.reduce((s, x) => s + x, 0) / 12) ** 2);
  expectClose(std, expected, { rtol: 1e-6 });
  const r = magnitudePrune(twoLayers(A, B), { quality: 1, only: ['a.weight'] });
  const kept = [...data(r.model, 'a.weight')].map((x) => x !== 0);
  assert.deepEqual(kept, A.map((x) => Math.abs(x) >= expected));
  assert.deepEqual([...(r.masks['a.weight'] as Float32Array)], kept.map((k) => (k ? 1 : 0)));
  const row = r.stats.layers[0];
  assert.equal(row?.params, 12);
  assert.equal(row?.nonzero, kept.filter(Boolean).length);
});

test('sparsity mode, layer vs global scope; biases untouched; input model unchanged', () => {
  const model = twoLayers(A, B);
  const layer = magnitudePrune(model, { sparsity: 0.5 });
  assert.deepEqual(layer.stats.layers.map((l) => l.nonzero), [6, 3]);
  assert.deepEqual([...data(layer.model, 'b.weight')], [0, 0, 0, -4, 5, -6]);
  assert.deepEqual([...data(layer.model, 'a.bias')], [...Float32Array.from([0.001, 0, 0])]);
  const global = magnitudePrune(model, { sparsity: 0.5, scope: 'global' });
  // 9 of 18 weights go: all of layer a's |w| <= 0.9 are below every weight of b.
  assert.deepEqual(global.stats.layers.map((l) => l.nonzero), [3, 6]);
  assert.equal(global.stats.nonzero, 9);
  expectClose(global.stats.ratio, 2);
  const normalized = magnitudePrune(model, { sparsity: 0.5, scope: 'global', normalizeByStd: true });
  assert.ok((normalized.stats.layers[1]?.nonzero ?? 0) < 6, 'std normalisation compares layers on their own scale');
  assert.deepEqual([...data(model, 'a.weight')], [...Float32Array.from(A)]);
  assert.ok(isSlimnetErrorThrown(() => magnitudePrune(model, { sparsity: { a: 0.5 }, scope: 'global' })));
  assert.ok(isSlimnetErrorThrown(() => magnitudePrune(model, { sparsity: 0.5, quality: 1 })));
  assert.ok(isSlimnetErrorThrown(() => magnitudePrune(model, { sparsity: 0.5, only: ['nope'] })));
});

test('per-layer sparsity by node name, previous masks stay pruned, biases on request', () => {
  const model = twoLayers(A, B);
  const r = magnitudePrune(model, { sparsity: { b: 1 / 3 } });
  assert.deepEqual(r.stats.layers.map((l) => l.nonzero), [12, 4]);
  const previous = { 'b.weight': Float32Array.from([1, 1, 1, 1, 1, 0]) };
  const again = magnitudePrune(model, { sparsity: { b: 1 / 3 }, previous });
  assert.deepEqual([...data(again.model, 'b.weight')], [0, -2, 3, -4, 5, 0], 'the earlier zero counts towards the 2 pruned');
  const withBias = magnitudePrune(model, { sparsity: 0.5, includeBiases: true, only: ['a.bias'] });
  assert.equal(withBias.stats.layers[0]?.name, 'a.bias');
  assert.equal(withBias.stats.layers[0]?.nonzero, 1);
});

test('AGP cubic schedule and iterative sparsities', () => {
  const s = { initialSparsity: 0.1, finalSparsity: 0.9, start: 2, steps: 4, frequency: 2 };
  assert.equal(agpSparsity(0, s), 0);
  expectClose(agpSparsity(2, s), 0.1);
  expectClose(agpSparsity(3, s), 0.1, { what: 'masks change only every Δt' });
  expectClose(agpSparsity(4, s), 0.9 - 0.8 * 0.75 ** 3);
  expectClose(agpSparsity(6, s), 0.9 - 0.8 * 0.5 ** 3);
  expectClose(agpSparsity(10, s), 0.9);
  expectClose(agpSparsity(50, s), 0.9);
  const it = iterativeSparsities(0.875, 3);
  expectClose(it, [0.5, 0.75, 0.875]);
});

test('method registry: built-ins present, duplicates and unknown names throw', () => {
  for (const n of ['magnitude', 'iterative', 'agp', 'l1-reg', 'l2-reg', 'obd', 'obs', 'data-free']) assert.equal(unstructuredMethods.find((m) => m.name === n)?.name, n);
  assert.ok(isSlimnetErrorThrown(() => registerUnstructuredMethod({ ...unstructuredMethod('magnitude') })));
  assert.throws(() => unstructuredMethod('nope'), /unknown unstructured pruning method 'nope' \(registered: magnitude/);
});

test('registry defaults: a single target prunes with one global threshold, a per-layer map per layer', async () => {
  const model = twoLayers(A, B);
  const ctx = (sparsity: MethodContext['sparsity'], options: MethodContext['options'] = {}): MethodContext =>
    ({ sparsity, options, data: {} as Dataset, retrain: { dataset: {} as Dataset } });
  const magnitude = unstructuredMethod('magnitude');
  const global = await magnitude.run(model, ctx(0.5));
  assert.deepEqual(global.stats.layers.map((l) => l.nonzero), [3, 6], 'global: the small weights of layer a go first');
  const layer = await magnitude.run(model, ctx(0.5, { scope: 'layer' }));
  assert.deepEqual(layer.stats.layers.map((l) => l.nonzero), [6, 3]);
  const map = await magnitude.run(model, ctx({ a: 0.5, b: 0.5 }));
  assert.deepEqual(map.stats.layers.map((l) => l.nonzero), [6, 3], 'a per-layer map keeps its per-layer targets');
  assert.equal(defaultScope(0.9), 'global');
  assert.equal(defaultScope({ a: 0.9 }), 'layer');
  assert.deepEqual(effectiveMethodOptions('magnitude', {}, 0.9), { scope: 'global', normalize: false });
  assert.deepEqual(effectiveMethodOptions('magnitude', { scope: 'layer' }, 0.9), { scope: 'layer', normalize: false });
  assert.deepEqual(effectiveMethodOptions('iterative', { cycles: 2 }, { fc1: 0.9 }), {
    cycles: 2, epochsPerCycle: 1, criterion: 'magnitude', scope: 'layer', normalize: false,
  });
  for (const n of ['iterative', 'agp', 'l1-reg', 'l2-reg', 'obd']) {
    assert.equal(effectiveMethodOptions(n, {}, 0.8)['scope'], 'global', n);
  }
  assert.equal(effectiveMethodOptions('obs', {}, 0.8)['scope'], 'layer');
});

function isSlimnetErrorThrown(f: () => unknown): boolean {
  try {
    f();
  } catch (e) {
    return isSlimnetError(e, 'INVALID_ARGUMENT');
  }
  return false;
}
