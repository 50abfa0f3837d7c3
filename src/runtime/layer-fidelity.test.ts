import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FeedSet } from '../data/feeds.js';
import { GraphBuilder } from '../ir/builder.js';
import type { Model } from '../ir/graph.js';
import { compareLayers, sharedValueNames } from './layer-fidelity.js';

/** h = k · x; y = h + 1 (and, when `extra`, an Identity between them that the reference lacks). */
function model(k: number, extra = false): Model {
  const g = new GraphBuilder('layers');
  const x = g.input('x', 'float32', ['N', 3]);
  const h = g.op('Mul', [x, g.constant(k)], {}, { name: 'scale' });
  h.name = 'h';
  const mid = extra ? g.op('Identity', [h]) : h;
  g.output(g.op('Add', [mid, g.constant(1)]), 'y');
  return g.build();
}

const feeds: FeedSet = {
  source: 'xs', count: 4, inputs: [{ name: 'x', dtype: 'float32', sampleShape: [3],
    data: Float32Array.from([1, -2, 3, 0.5, 4, -1, 2, 2, -3, 1, 0, 1]) }],
};

test('per-layer fidelity: SQNR of every value both models compute, in node order', async () => {
  const [ref, cand] = [model(2), model(2.2, true)];
  assert.deepEqual(sharedValueNames(ref, cand), ['h', 'y']);
  const layers = await compareLayers(ref, cand, feeds, { threads: 1 });
  assert.deepEqual(layers.map((l) => l.name), ['h', 'y']);
  // h: candidate = 1.1 · reference, so SQNR = 10·log10(1 / 0.1²) = 20 dB and cosine 1.
  const h = layers[0];
  assert.ok(Math.abs((h?.sqnrDb as number) - 20) < 1e-4, `h SQNR ${h?.sqnrDb}`);
  assert.ok(Math.abs((h?.cosine as number) - 1) < 1e-6);
  const xs = [...feeds.inputs[0]?.data as Float32Array];
  const sig = xs.reduce((a, x) => a + (2 * x + 1) ** 2, 0);
  const err = xs.reduce((a, x) => a + (0.2 * x) ** 2, 0);
  assert.ok(Math.abs((layers[1]?.sqnrDb as number) - 10 * Math.log10(sig / err)) < 1e-3);
});
