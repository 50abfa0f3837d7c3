/** The library entry points of magnitude pruning, k-means sharing and low-rank decomposition refuse NaN / Inf. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import { buildZooModel } from '../zoo/index.js';
import { decompose } from './lowrank/decompose.js';
import { magnitudePrune } from './pruning/unstructured/magnitude.js';
import { kmeansShare } from './quantization/kmeans/share.js';

/** A small MLP with element `index` of `weight` set to `value`. */
function poisoned(weight: string, index: number, value: number): Model {
  const m = buildZooModel('lenet-300-100', { inputShape: [1, 4, 4], width: 0.05 });
  const t = m.graph.initializers.get(weight)?.initializer;
  assert.ok(t !== undefined && t.data instanceof Float32Array, weight);
  t.data[index] = value;
  return m;
}

const refused = (weight: string, index: number, value: string) => (e: unknown): boolean =>
  isSlimnetError(e, 'MODEL_INVALID') && e.message.includes(`'${weight}' holds ${value} at element ${index}`);

test('magnitude pruning refuses a NaN weight instead of keeping it', () => {
  const bad = poisoned('fc2.weight', 4, NaN);
  assert.throws(() => magnitudePrune(bad, { sparsity: 0.5 }), refused('fc2.weight', 4, 'NaN'));
  const clean = magnitudePrune(poisoned('fc2.weight', 4, 0.25), { sparsity: 0.5 });
  assert.ok(clean.stats.nonzero < clean.stats.params);
});

test('k-means sharing refuses an Inf weight instead of spreading it over the codebook', () => {
  const bad = poisoned('fc1.weight', 9, Infinity);
  assert.throws(() => kmeansShare(bad, { bits: 2 }), refused('fc1.weight', 9, 'Infinity'));
  assert.equal(kmeansShare(poisoned('fc1.weight', 9, 0.5), { bits: 2 }).layers.length, 3);
});

test('low-rank decomposition refuses a NaN weight instead of passing it through', () => {
  const bad = poisoned('fc1.weight', 0, NaN);
  assert.throws(() => decompose(bad, { method: 'svd', rank: 1 }), refused('fc1.weight', 0, 'NaN'));
});
