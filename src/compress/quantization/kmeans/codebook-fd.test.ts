/**
 * The codebook gradient is a true derivative (the shared weights are W = codebook[index], linear in each
 * centroid): it must match central finite differences of the loss computed by onnxruntime,
 * through a nonlinearity, for raw and normalised centroid steps.
 */
import { test } from 'node:test';
import { expectClose } from '../../../testing/expect-close.js';
import { oneLayer, probeCodebook } from './fixtures.js';
import type { SharedLayer } from './share.js';

const XS = [0.7, -1.2, 0.4, 1.5, 0.3, -0.8, -0.5, 0.9, 1.1];
const RS = [0.3, -1, 2, 0.7, -0.4, 1.3];
const INDICES = [0, 2, -1, 1, 0, 2];

/** Loss Σ tanh(x W) ⊙ r and its gradient with respect to the stored codebook initializer. */
async function lossAndGrad(codebook: readonly number[], normalizeSteps: boolean): Promise<{ loss: number; grad: number[] }> {
  const layer: SharedLayer = { name: 'w', kind: 'fc', bits: 2, dims: [3, 2], codebook: Float32Array.from(codebook), indices: Int32Array.from(INDICES) };
  const out = await probeCodebook(oneLayer([0, 0, 0, 0, 0, 0], 3, true), layer, XS, RS, { normalizeSteps });
  return { loss: out.loss, grad: out.dcb };
}

/** Central finite differences of the loss with respect to each centroid c_k (raw codebook values). */
async function finiteDifferences(c: readonly number[], eps = 1e-2): Promise<number[]> {
  const fd: number[] = [];
  for (let k = 0; k < c.length; k++) {
    const hi = c.map((v, i) => (i === k ? v + eps : v));
    const lo = c.map((v, i) => (i === k ? v - eps : v));
    fd.push(((await lossAndGrad(hi, false)).loss - (await lossAndGrad(lo, false)).loss) / (2 * eps));
  }
  return fd;
}

test('codebook gradient matches finite differences of the loss through tanh (raw centroid steps)', async () => {
  const c = [-0.6, 0.25, 0.9];
  const { grad } = await lossAndGrad(c, false);
  expectClose(grad, await finiteDifferences(c), { rtol: 1e-3, atol: 1e-4 });
});

test('normalised steps: the stored p_k = c_k·√n_k gets the finite-difference gradient / √n_k', async () => {
  const c = [-0.6, 0.25, 0.9];
  const n = [2, 1, 2];
  const { grad } = await lossAndGrad(c, true);
  const fd = await finiteDifferences(c);
  expectClose(grad, fd.map((g, k) => g / Math.sqrt(n[k]!)), { rtol: 1e-3, atol: 1e-4 });
});
