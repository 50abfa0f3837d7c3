import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Split } from '../../../data/types.js';
import { expectClose } from '../../../testing/expect-close.js';
import { Rng } from '../../../util/rng.js';
import { buildZooModel } from '../../../zoo/index.js';
import { dampedInverse } from '../../../util/linalg/cholesky.js';
import { lobsPrune, obsPruneLayer } from './lobs.js';

/** δwᵀ H δw for one row. */
function quad(h: Float64Array, d: number, dw: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s += (dw[i] as number) * (h[i * d + j] as number) * (dw[j] as number);
  return s;
}

test('OBS removal of one weight: closed form, and lower layer error than zeroing', () => {
  const rng = new Rng(9);
  const d = 3;
  const n = 40;
  const xs = Array.from({ length: n }, () => {
    const a = rng.normal();
    return [a + 0.3 * rng.normal(), a + 0.3 * rng.normal(), rng.normal()];
  });
  const h = new Float64Array(d * d);
  for (const x of xs) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) h[i * d + j] = (h[i * d + j] as number) + (x[i] as number) * (x[j] as number) / n;
  const hinv = dampedInverse(h, d, 0);
  const w0 = [0.5, -0.6, 2];
  const w = Float32Array.from(w0);
  const mask = obsPruneLayer(w, { out: 1, in: d, transposed: false }, hinv, 1, 1);
  const sal = w0.map((x, q) => (x * x) / (2 * (hinv[q * d + q] as number)));
  const q = sal.indexOf(Math.min(...sal));
  assert.deepEqual([...mask], w0.map((_, i) => (i === q ? 0 : 1)));
  const f = (w0[q] as number) / (hinv[q * d + q] as number);
  const expected = w0.map((x, j) => (j === q ? 0 : x - f * (hinv[j * d + q] as number)));
  expectClose([...w], expected, { rtol: 1e-5, atol: 1e-6 });
  const obsErr = quad(h, d, expected.map((x, j) => x - (w0[j] as number)));
  expectClose(obsErr / 2, sal[q] as number, { rtol: 1e-6, what: 'layer error ½δwᵀHδw equals the saliency' });
  const zeroErr = quad(h, d, w0.map((x, j) => (j === q ? -x : 0)));
  assert.ok(obsErr < zeroErr, `OBS ${obsErr} < zeroing ${zeroErr}`);
});

test("lobsPrune reaches the per-layer target on an MLP and on LeNet-5's conv and FC layers", async () => {
  const rng = new Rng(4);
  const count = 64;
  const split: Split = {
    images: Float32Array.from({ length: count * 784 }, () => rng.normal()), labels: new Int32Array(count), count, sampleShape: [1, 28, 28],
  };
  const mlp = await lobsPrune(buildZooModel('lenet-300-100', { seed: 1, width: 0.1 }), split, { sparsity: 0.8, samples: 64, threads: 1 });
  for (const l of mlp.stats.layers) expectClose(l.sparsity, 0.8, { atol: 2 / l.params, what: l.name });
  const conv = await lobsPrune(buildZooModel('lenet5', { seed: 1, width: 0.1 }), split, { sparsity: { conv2: 0.5, fc1: 0.6 }, samples: 32, threads: 1 });
  const by = new Map(conv.stats.layers.map((l) => [l.layer, l.sparsity]));
  expectClose(by.get('conv2') as number, 0.5, { atol: 0.01 });
  expectClose(by.get('fc1') as number, 0.6, { atol: 0.01 });
  assert.equal(by.get('conv1'), 0);
});
