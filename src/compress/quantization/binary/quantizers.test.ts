import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectClose } from '../../../testing/expect-close.js';
import { runTransform } from '../../../testing/transform-run.js';
import { binaryConnect, glorotScale } from './binary-connect.js';
import { bnnWeights } from './bnn.js';
import { binaryWeights } from './bwn.js';
import { dorefaActivations, dorefaWeights } from './dorefa.js';
import { halfGaussianMse, hwgqActivations, hwgqStep } from './hwgq.js';
import { signActivation } from './sign-activation.js';
import { trainedTernaryWeights, ttqScaleNames } from './ttq.js';
import { ternaryWeights } from './twn.js';
import type { WeightLayout, WeightQuantizer } from './types.js';

const c = { name: 'q', opset: 17 };
const layout = (dims: number[], values: number[], channelAxis = 0): WeightLayout => ({ name: 'w', dims, channelAxis, initial: Float32Array.from(values) });

/** Graph forward (inference and training form) and JS reference of a weight quantizer, as dense values. */
async function weightValues(q: WeightQuantizer, l: WeightLayout, params?: Record<string, number[]>): Promise<{ graph: number[]; train: number[]; ref: number[] }> {
  const t = q.transform(l, c);
  const graph = (await runTransform(t, l.dims, [...l.initial], { training: false, ...(params === undefined ? {} : { params }) })).y;
  const train = (await runTransform(t, l.dims, [...l.initial], params === undefined ? {} : { params })).y;
  const lookup = (n: string): Float32Array | undefined => (params?.[n] === undefined ? undefined : Float32Array.from(params[n]!));
  const r = q.quantize(l.initial, l, lookup);
  const ref = [...r.codes].map((v, i) => v * (r.scale === undefined ? 1 : (r.scale[Math.floor(i / (l.dims.slice(l.channelAxis + 1).reduce((a, d) => a * d, 1))) % r.scale.length] as number)));
  return { graph, train, ref };
}

test('BinaryConnect deterministic: ±H with sign(0) = +H; H = Glorot scale by default', async () => {
  const l = layout([2, 3], [0.3, -0.2, 0, -0.05, 0.8, -1]);
  const v = await weightValues(binaryConnect({ scale: 0.5 }), l);
  assert.deepEqual(v.graph, [0.5, -0.5, 0.5, -0.5, 0.5, -0.5]);
  assert.deepEqual(v.train, v.graph);
  assert.deepEqual(v.ref, v.graph);
  expectClose(glorotScale({ dims: [4, 3], channelAxis: 0 }), Math.sqrt(1.5 / (3 + 4)));
  expectClose(glorotScale({ dims: [20, 1, 5, 5], channelAxis: 0 }), Math.sqrt(1.5 / (25 + 500)));
  const g = binaryConnect().quantize(l.initial, l, () => undefined);
  expectClose([...g.scale!], [glorotScale(l), glorotScale(l)], { rtol: 1e-6 });
});

test('BinaryConnect stochastic: P(+H) = clip((w/H + 1)/2, 0, 1), so E[w_b] = w inside [−H, H]; inference is deterministic', async () => {
  const n = 4000;
  const w = [...Array<number>(n).fill(0.1), ...Array<number>(n).fill(-0.3), ...Array<number>(n).fill(0.9)];
  const t = binaryConnect({ scale: 0.5, stochastic: true, seed: 3 }).transform(layout([w.length], w), c);
  const y = (await runTransform(t, [w.length], w)).y;
  assert.ok(y.every((v) => v === 0.5 || v === -0.5));
  const mean = (a: number, b: number): number => y.slice(a, b).reduce((s, v) => s + v, 0) / (b - a);
  expectClose(mean(0, n), 0.1, { atol: 0.03 });
  expectClose(mean(n, 2 * n), -0.3, { atol: 0.03 });
  assert.equal(mean(2 * n, 3 * n), 0.5);
  const inference = (await runTransform(t, [w.length], w, { training: false })).y;
  assert.deepEqual([inference[0], inference[n], inference[2 * n]], [0.5, -0.5, 0.5]);
  assert.deepEqual(t.clamp, { min: -0.5, max: 0.5 });
});

test('BWN: sign(w) × per-output-channel mean |w| (axis 0 for Conv / Gemm transB, axis 1 for MatMul)', async () => {
  const v = await weightValues(binaryWeights(), layout([2, 3], [0.5, -1, 0.3, -0.2, 0.4, 0]));
  expectClose(v.graph, [0.6, -0.6, 0.6, -0.2, 0.2, 0.2]);
  expectClose(v.ref, v.graph);
  // Channels along axis 1: columns [0.5, -0.2], [-1, 0.4], [0.3, 0] -> α = [0.35, 0.7, 0.15].
  const m = await weightValues(binaryWeights(), layout([2, 3], [0.5, -1, 0.3, -0.2, 0.4, 0], 1));
  expectClose(m.graph, [0.35, -0.7, 0.15, -0.35, 0.7, 0.15]);
  expectClose(m.ref, m.graph, { rtol: 1e-6 });
});

test('BNN weights: sign(w) without a scale, weights clipped to [−1, 1]', async () => {
  const q = bnnWeights();
  const v = await weightValues(q, layout([4], [0.2, -0.01, 0, -3]));
  assert.deepEqual(v.graph, [1, -1, 1, -1]);
  assert.deepEqual(v.ref, v.graph);
  assert.deepEqual(q.transform(layout([1], [0]), c).clamp, { min: -1, max: 1 });
});

test('TWN: Δ = 0.7·E|w|, α = mean |w| above Δ', async () => {
  // E|w| = 1.95 / 6 = 0.325, Δ = 0.2275: kept 0.9, −0.6, 0.3 -> α = 0.6.
  const v = await weightValues(ternaryWeights(), layout([6], [0.9, -0.1, 0.05, -0.6, 0.3, 0]));
  expectClose(v.graph, [0.6, 0, 0, -0.6, 0.6, 0]);
  expectClose(v.ref, v.graph);
});

test('TTQ: Δ = 0.05·max|w|, learned scales W_p / W_n (initialised to the mean |w| of each side)', async () => {
  const l = layout([5], [1, -0.5, 0.04, -0.03, 0.2]);
  const names = ttqScaleNames('w');
  const init = await runTransform(trainedTernaryWeights().transform(l, c), l.dims, [...l.initial]);
  expectClose(init.params[names.positive]!, [0.6]);
  expectClose(init.params[names.negative]!, [0.5]);
  expectClose(init.y, [0.6, -0.5, 0, 0, 0.6]);
  const v = await weightValues(trainedTernaryWeights(), l, { [names.positive]: [0.7], [names.negative]: [0.4] });
  expectClose(v.graph, [0.7, -0.4, 0, 0, 0.7]);
  expectClose(v.train, v.graph);
  expectClose(v.ref, v.graph);
});

test('DoReFa weights: k = 1 is E|w|·sign(w); k = 2 levels 2·round(3·(tanh w / 2max|tanh w| + ½))/3 − 1', async () => {
  const b1 = await weightValues(dorefaWeights(1), layout([4], [0.5, -0.3, 0.1, -0.1]));
  expectClose(b1.graph, [0.25, -0.25, 0.25, -0.25]);
  expectClose(b1.ref, b1.graph);
  // tanh w / (2·tanh 1) + ½ = [1, 0.1966, 0.6296, 0.5] -> ·3 = [3, 0.59, 1.89, 1.5] -> round (half to even) [3, 1, 2, 2].
  const b2 = await weightValues(dorefaWeights(2), layout([4], [1, -0.5, 0.2, 0]));
  expectClose(b2.graph, [1, -1 / 3, 1 / 3, 1 / 3], { atol: 1e-6 });
  expectClose(b2.ref, b2.graph, { atol: 1e-6 });
});

test('DoReFa activations: round(3·clip(x, 0, 1)) / 3 at 2 bits', async () => {
  const t = dorefaActivations(2).transform(c);
  const y = (await runTransform(t, [6], [-0.5, 0.1, 0.2, 0.5, 0.9, 1.7])).y;
  expectClose(y, [0, 0, 1 / 3, 2 / 3, 1, 1], { atol: 1e-7 });
});

test('HWGQ: the MSE-optimal step of the half Gaussian (0.651 at 2 bits) and its uniform levels', async () => {
  const step = hwgqStep(2);
  expectClose(step, 0.651, { atol: 0.002 });
  expectClose(hwgqStep(1), 1.224, { atol: 0.002 });
  for (const d of [-0.01, 0.01]) assert.ok(halfGaussianMse(step, 2) < halfGaussianMse(step + d, 2));
  const y = (await runTransform(hwgqActivations(2).transform(c), [6], [-1, 0.2, 0.4, 1.0, 1.5, 5])).y;
  const s = Math.fround(step);
  expectClose(y, [0, 0, 1, 2, 2, 3].map((q) => q * s), { rtol: 1e-6 });
});

test('binary activations: the ONNX Sign node (Sign(0) = 0)', async () => {
  const y = (await runTransform(signActivation().transform(c), [4], [-2, -0.3, 0, 0.5])).y;
  assert.deepEqual(y, [-1, -1, 0, 1]);
});
