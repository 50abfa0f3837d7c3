import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectClose } from '../../../testing/expect-close.js';
import { initCentroids, kmeans1d, nearest, sortedNonzero } from './kmeans1d.js';

test('k-means on three well separated groups finds their means; zeros are excluded', () => {
  const v = [1, 1.2, 0.8, 0, 5, 5.5, 4.5, 0, -3, -3.5, -2.5, 0];
  const r = kmeans1d(v, { k: 3 });
  expectClose(r.centroids, [-3, 1, 5]);
  assert.deepEqual([...r.assignment], [1, 1, 1, -1, 2, 2, 2, -1, 0, 0, 0, -1]);
});

test('linear init is evenly spaced between min and max of the nonzeros', () => {
  const s = sortedNonzero([0, -1, 3, 0, 1]);
  assert.deepEqual([...s], [-1, 1, 3]);
  expectClose(initCentroids(s, 5, 'linear'), [-1, 0, 1, 2, 3]);
});

test('density init follows the CDF: centroids crowd where the data is dense', () => {
  const data = Float64Array.from({ length: 100 }, (_, i) => (i < 90 ? i / 900 : 1 + i / 10)).sort();
  const c = initCentroids(data, 4, 'density');
  assert.ok(c.filter((x) => x < 0.1).length >= 3, `centroids ${[...c]}`);
  const lin = initCentroids(data, 4, 'linear');
  assert.ok(lin.filter((x) => x < 0.1).length === 1);
});

test('random (Forgy) init picks distinct data points, reproducibly by seed', () => {
  const data = Float64Array.from({ length: 50 }, (_, i) => i + 1);
  const a = initCentroids(data, 8, 'random', 7);
  const b = initCentroids(data, 8, 'random', 7);
  assert.deepEqual(a, b);
  assert.equal(new Set(a).size, 8);
  for (const x of a) assert.ok(data.includes(x));
  assert.notDeepEqual(initCentroids(data, 8, 'random', 8), a);
});

test('Lloyd converges to a local optimum: every centroid is the mean of its points', () => {
  const v = Float32Array.from({ length: 500 }, (_, i) => Math.sin((i + 1) * 12.9898) * 2);
  for (const init of ['linear', 'density', 'random'] as const) {
    const r = kmeans1d(v, { k: 8, init, iterations: 500 });
    const sums = new Float64Array(8);
    const counts = new Float64Array(8);
    v.forEach((x, i) => {
      const j = r.assignment[i] as number;
      sums[j] = sums[j]! + x;
      counts[j] = counts[j]! + 1;
      assert.equal(j, nearest(r.centroids, x));
    });
    r.centroids.forEach((c, j) => {
      if (counts[j]! > 0) expectClose(c, sums[j]! / counts[j]!, { rtol: 1e-4, atol: 1e-5, what: `${init} centroid ${j}` });
    });
  }
});

test('bad k throws', () => {
  assert.throws(() => kmeans1d([1, 2], { k: 0 }), /k >= 1/);
});
