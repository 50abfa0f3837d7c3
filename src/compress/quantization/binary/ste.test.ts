/**
 * Straight-through gradients of the binary / ternary quantizers. Where the STE is the derivative of a
 * surrogate (clip, clipped ReLU, hardtanh, tanh/max), it is compared with central finite differences of
 * that surrogate inside its range and must be exactly zero outside; TTQ's scale gradients and BWN's
 * scale term are true derivatives and are checked by finite differences of the quantizer itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectClose } from '../../../testing/expect-close.js';
import { runTransform } from '../../../testing/transform-run.js';
import { binaryConnect } from './binary-connect.js';
import { bnnWeights } from './bnn.js';
import { binaryWeights } from './bwn.js';
import { dorefaActivations, dorefaGradients, dorefaWeights } from './dorefa.js';
import { hwgqActivations, hwgqStep } from './hwgq.js';
import { signActivation } from './sign-activation.js';
import { trainedTernaryWeights, ttqScaleNames } from './ttq.js';
import { ternaryWeights } from './twn.js';
import type { WeightLayout } from './types.js';

const c = { name: 'q', opset: 17 };
const layout = (dims: number[], values: number[], channelAxis = 0): WeightLayout => ({ name: 'w', dims, channelAxis, initial: Float32Array.from(values) });

/** Central differences of Σ d_i f(x)_i with respect to each x_i (float64, in JS). */
function numericGrad(f: (x: number[]) => number[], x: readonly number[], d: readonly number[], eps = 1e-4): number[] {
  const loss = (v: number[]): number => f(v).reduce((s, y, i) => s + y * (d[i] as number), 0);
  return x.map((_, i) => {
    const hi = [...x];
    const lo = [...x];
    hi[i]! += eps;
    lo[i]! -= eps;
    return (loss(hi) - loss(lo)) / (2 * eps);
  });
}

/** STE gradient vs finite differences of `surrogate` where `inside`, exact zeros elsewhere. */
function checkAgainstSurrogate(got: readonly number[], surrogate: (x: number[]) => number[], x: readonly number[], d: readonly number[], inside: (v: number) => boolean): void {
  const fd = numericGrad(surrogate, x, d);
  x.forEach((v, i) => {
    if (inside(v)) expectClose(got[i] as number, fd[i] as number, { rtol: 1e-3, atol: 1e-5 });
    else assert.ok(Object.is(got[i], 0) || Object.is(got[i], -0), `gradient at x = ${v} must be exactly 0, got ${got[i]}`);
  });
}

const X = [-1.7, -1, -0.6, -0.05, 0.12, 0.4, 0.55, 0.8, 0.97, 1.3, 2.6];
const D = X.map((_, i) => 0.5 + ((i * 37) % 11) / 7);

test('sign activation: hardtanh STE = d/dx clip(x, −1, 1) inside [−1, 1], 0 outside', async () => {
  const r = await runTransform(signActivation().transform(c), [X.length], X, { dOut: D });
  checkAgainstSurrogate(r.dx!, (x) => x.map((v) => Math.max(-1, Math.min(1, v))), X.map((v) => (Math.abs(Math.abs(v) - 1) < 1e-9 ? v * 0.999 : v)), D, (v) => Math.abs(v) <= 1);
});

test('DoReFa activations: STE = d/dx clip(x, 0, 1) inside [0, 1], 0 outside', async () => {
  const r = await runTransform(dorefaActivations(2).transform(c), [X.length], X, { dOut: D });
  checkAgainstSurrogate(r.dx!, (x) => x.map((v) => Math.max(0, Math.min(1, v))), X, D, (v) => v >= 0 && v <= 1);
});

test('HWGQ activations: clipped-ReLU backward, 1 on (0, q_max], 0 outside', async () => {
  const qmax = 3 * Math.fround(hwgqStep(2));
  const r = await runTransform(hwgqActivations(2).transform(c), [X.length], X, { dOut: D });
  checkAgainstSurrogate(r.dx!, (x) => x.map((v) => Math.max(0, Math.min(qmax, v))), X, D, (v) => v > 0 && v <= qmax);
});

test('BNN weights: hardtanh STE; BinaryConnect / TWN / DoReFa-1: identity STE', async () => {
  const w = [0.5, -0.9, 1.5, -2];
  const d = [1, 2, 3, 4];
  const grad = async (q: ReturnType<typeof bnnWeights>): Promise<number[]> => (await runTransform(q.transform(layout([4], w), c), [4], w, { dOut: d })).dx!;
  assert.deepEqual(await grad(bnnWeights()), [1, 2, 0, 0]);
  assert.deepEqual(await grad(binaryConnect({ scale: 1 })), d);
  assert.deepEqual(await grad(ternaryWeights()), d);
  assert.deepEqual(await grad(dorefaWeights(1)), d);
});

test('BWN: gradient = α·1[|w| ≤ 1]·d + sign(w)/n·Σ d·sign(w) per channel; the scale term matches finite differences', async () => {
  // Channel 0 has |w| > 1 everywhere: the sign STE term vanishes and the gradient is the true derivative.
  const w = [1.5, -2, 3, -1.2, 0.5, -0.25, 2, 0.1];
  const d = [0.3, -1, 2, 0.7, 1, 2, -3, 0.5];
  const l = layout([2, 4], w);
  const r = await runTransform(binaryWeights().transform(l, c), l.dims, w, { dOut: d });
  const bwn = (x: number[]): number[] => {
    const out: number[] = [];
    for (let ch = 0; ch < 2; ch++) {
      const row = x.slice(4 * ch, 4 * ch + 4);
      const alpha = row.reduce((s, v) => s + Math.abs(v), 0) / 4;
      out.push(...row.map((v) => alpha * Math.sign(v)));
    }
    return out;
  };
  expectClose(r.dx!.slice(0, 4), numericGrad(bwn, w, d).slice(0, 4), { rtol: 1e-4, atol: 1e-6 });
  // Channel 1 by the formula: α = 0.7125, Σ d·sign(w) = 1 − 2 − 3 + 0.5 = −3.5.
  const alpha = 0.7125;
  const term = -3.5 / 4;
  const expected = [0.5, -0.25, 2, 0.1].map((v, i) => (Math.abs(v) <= 1 ? alpha * (d[4 + i] as number) : 0) + Math.sign(v) * term);
  expectClose(r.dx!.slice(4), expected, { rtol: 1e-5 });
});

test('TTQ: latent gradient W_p·d / d / W_n·d by region; scale gradients match finite differences', async () => {
  const w = [1, -0.5, 0.04, -0.03, 0.2, -0.8];
  const d = [0.5, -2, 3, 1, 1.5, 0.25];
  const l = layout([6], w);
  const names = ttqScaleNames('w');
  const t = trainedTernaryWeights().transform(l, c);
  const params = { [names.positive]: [0.7], [names.negative]: [0.4] };
  const r = await runTransform(t, l.dims, w, { dOut: d, params });
  expectClose(r.dx!, [0.7 * 0.5, 0.4 * -2, 3, 1, 0.7 * 1.5, 0.4 * 0.25], { rtol: 1e-6 });
  expectClose(r.dParams[names.positive]!, [0.5 + 1.5]);
  expectClose(r.dParams[names.negative]!, [-(-2 + 0.25)]);
  const loss = async (wp: number, wn: number): Promise<number> => {
    const y = (await runTransform(t, l.dims, w, { params: { [names.positive]: [wp], [names.negative]: [wn] } })).y;
    return y.reduce((s, v, i) => s + v * (d[i] as number), 0);
  };
  const eps = 1e-2;
  expectClose((await loss(0.7 + eps, 0.4)) - (await loss(0.7 - eps, 0.4)), 2 * eps * r.dParams[names.positive]![0]!, { rtol: 1e-4 });
  expectClose((await loss(0.7, 0.4 + eps)) - (await loss(0.7, 0.4 - eps)), 2 * eps * r.dParams[names.negative]![0]!, { rtol: 1e-4 });
});

test('DoReFa k-bit weights: gradient = finite differences of the surrogate tanh(w) / max|tanh w| (round STE)', async () => {
  const w = [0.9, -0.4, 0.15, -0.02, 0.6, -1.3];
  const d = [1, -0.5, 2, 0.75, -1, 0.3];
  const r = await runTransform(dorefaWeights(2).transform(layout([6], w), c), [6], w, { dOut: d });
  const surrogate = (x: number[]): number[] => {
    const t = x.map(Math.tanh);
    const m = Math.max(...t.map(Math.abs));
    return t.map((v) => v / m);
  };
  expectClose(r.dx!, numericGrad(surrogate, w, d), { rtol: 1e-3, atol: 1e-5 });
});

test('DoReFa gradient quantization: identity forward, k-bit stochastic gradient on the per-sample grid, unbiased', async () => {
  const n = 4000;
  const x = Array<number>(2 * n).fill(1);
  const d = [...Array<number>(n).fill(0.3), ...Array<number>(n - 1).fill(-0.1), 1];
  const t = dorefaGradients(2, 5)(c);
  const r = await runTransform(t, [1, 2 * n], x, { dOut: d });
  assert.deepEqual(r.y, x);
  // m = max|d| = 1: values 2·(q − ½) with q ∈ {0, 1/3, 2/3, 1}.
  const grid = [-1, -1 / 3, 1 / 3, 1];
  assert.ok(r.dx!.every((g) => grid.some((v) => Math.abs(g - v) < 1e-6)), 'quantized gradients on the grid');
  const mean = (a: number, b: number): number => r.dx!.slice(a, b).reduce((s, v) => s + v, 0) / (b - a);
  expectClose(mean(0, n), 0.3, { atol: 0.03 });
  expectClose(mean(n, 2 * n - 1), -0.1, { atol: 0.03 });
  assert.equal((await runTransform(t, [1, 4], [1, 2, 3, 4], { training: false })).y.length, 4);
});
