import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor } from '../../ir/tensor.js';
import { expectClose } from '../../testing/expect-close.js';
import { awayFrom, buildModel, evaluate, uniform } from '../../testing/grad-models.js';
import { expectGradient, gradcheck } from '../../testing/gradcheck.js';
import { attentionMap, attentionTransferLoss, hintLoss, kdLoss } from './losses.js';

const N = 3;
const C = 4;
const labels = Tensor.i64([N], [2, 0, 3]);
const z = uniform([N, C], -3, 3, 11);
const t = uniform([N, C], -4, 4, 12);

function softmax(row: readonly number[], scale = 1): number[] {
  const m = Math.max(...row.map((v) => v * scale));
  const e = row.map((v) => Math.exp(v * scale - m));
  const s = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / s);
}

function rows(x: Tensor, width: number): number[][] {
  const v = x.toNumbers();
  return Array.from({ length: v.length / width }, (_, i) => v.slice(i * width, (i + 1) * width));
}

for (const [T, alpha] of [[20, 0.7], [2, 1], [3, 0]] as const) {
  test(`kdLoss T=${T} alpha=${alpha}: value, finite differences and the closed-form gradient`, async () => {
    const m = buildModel(
      [{ name: 'z', shape: [N, C] }, { name: 't', shape: [N, C] }, { name: 'y', shape: [N], dtype: 'int64' }],
      (b, [s, tt, y]) => kdLoss(b, s!, tt!, y!, { temperature: T, alpha }),
    );
    const out = await evaluate(m, { z, t, y: labels });
    const [zs, ts] = [rows(z, C), rows(t, C)];
    let kl = 0;
    let ce = 0;
    const grad: number[] = [];
    zs.forEach((row, n) => {
      const [q, p, s] = [softmax(row, 1 / T), softmax(ts[n]!, 1 / T), softmax(row)];
      kl += p.reduce((a, pv, c) => a + pv * Math.log(pv / q[c]!), 0);
      const label = Number(labels.data[n]);
      ce -= Math.log(s[label]!);
      row.forEach((_, c) => grad.push((alpha * T * (q[c]! - p[c]!) + (1 - alpha) * (s[c]! - (c === label ? 1 : 0))) / N));
    });
    expectClose(out['out0']!.toNumbers(), [(alpha * T * T * kl + (1 - alpha) * ce) / N], { rtol: 1e-10 });
    await gradcheck(m, { inputs: { z, t, y: labels }, wrt: ['z'] });
    await expectGradient(m, 'z', grad, { inputs: { z, t, y: labels }, rtol: 1e-9, atol: 1e-12 });
  });
}

test('kdLoss rejects a bad temperature or alpha', () => {
  const bad = (temperature: number, alpha: number): void => {
    buildModel([{ name: 'z', shape: [N, C] }, { name: 't', shape: [N, C] }, { name: 'y', shape: [N], dtype: 'int64' }], (b, [s, tt, y]) => kdLoss(b, s!, tt!, y!, { temperature, alpha }));
  };
  assert.throws(() => bad(0, 0.5), /temperature must be > 0/);
  assert.throws(() => bad(2, 1.5), /alpha must be in \[0, 1\]/);
});

test('hintLoss: value and gradients of both arguments', async () => {
  const shape = [2, 3, 2, 2];
  const m = buildModel([{ name: 'r', shape }, { name: 'h', shape }], (b, [r, h]) => hintLoss(b, r!, h!));
  const [r, h] = [uniform(shape, -1, 1, 1), uniform(shape, -1, 1, 2)];
  const out = await evaluate(m, { r, h });
  const hv = h.toNumbers();
  expectClose(out['out0']!.toNumbers(), [0.5 * r.toNumbers().reduce((a, v, i) => a + (v - hv[i]!) ** 2, 0) / r.size], { rtol: 1e-12 });
  await gradcheck(m, { inputs: { r, h } });
  assert.throws(() => buildModel([{ name: 'r', shape }, { name: 'h', shape: [2, 4, 2, 2] }], (b, [rr, hh]) => hintLoss(b, rr!, hh!)), /SHAPE|hint/);
});

/** Reference attention map: mean over channels of |a|^p, flattened, L2-normalised per sample. */
function refAttention(a: Tensor, p: number): number[][] {
  const [n, c, h, w] = a.dims as [number, number, number, number];
  const v = a.toNumbers();
  return Array.from({ length: n }, (_, i) => {
    const q = Array.from({ length: h * w }, (_, j) => {
      let s = 0;
      for (let k = 0; k < c; k++) s += Math.abs(v[(i * c + k) * h * w + j]!) ** p;
      return s / c;
    });
    const norm = Math.sqrt(q.reduce((x, y) => x + y * y, 0) + 1e-12);
    return q.map((x) => x / norm);
  });
}

for (const [opset, p] of [[13, 2], [18, 2], [17, 3]] as const) {
  test(`attentionMap (opset ${opset}, p=${p}): value and finite differences`, async () => {
    const shape = [2, 3, 3, 2];
    const m = buildModel([{ name: 'a', shape }], (b, [a]) => attentionMap(b, a!, opset, p), { opset });
    const a = awayFrom(shape, [0], 0.1, 5);
    const out = await evaluate(m, { a });
    expectClose(out['out0']!.toNumbers(), refAttention(a, p).flat(), { rtol: 1e-10 });
    await gradcheck(m, { inputs: { a } });
  });
}

test('attentionTransferLoss over two layer pairs: value and finite differences w.r.t. both student maps', async () => {
  const [s1, t1, s2, t2] = [[2, 3, 4, 4], [2, 5, 4, 4], [2, 2, 2, 2], [2, 6, 2, 2]];
  const beta = 1000;
  const m = buildModel(
    [{ name: 's1', shape: s1 }, { name: 't1', shape: t1 }, { name: 's2', shape: s2 }, { name: 't2', shape: t2 }],
    (b, [a, bb, c, d]) => attentionTransferLoss(b, [[a!, bb!], [c!, d!]], { beta, opset: 17 }),
  );
  const inputs = { s1: awayFrom(s1, [0], 0.1, 1), t1: uniform(t1, -2, 2, 2), s2: awayFrom(s2, [0], 0.1, 3), t2: uniform(t2, -2, 2, 4) };
  const out = await evaluate(m, inputs);
  const term = (s: Tensor, tt: Tensor): number => {
    const [qs, qt] = [refAttention(s, 2).flat(), refAttention(tt, 2).flat()];
    return qs.reduce((a, v, i) => a + (v - qt[i]!) ** 2, 0) / qs.length;
  };
  expectClose(out['out0']!.toNumbers(), [(beta / 2) * (term(inputs.s1, inputs.t1) + term(inputs.s2, inputs.t2))], { rtol: 1e-10 });
  await gradcheck(m, { inputs, wrt: ['s1', 's2'] });
});

test('attentionTransferLoss is zero for identical maps and rejects mismatched spatial sizes', async () => {
  const shape = [2, 3, 3, 3];
  const m = buildModel([{ name: 's', shape }, { name: 't', shape: [2, 7, 3, 3] }], (b, [s, tt]) => attentionTransferLoss(b, [[s!, tt!]], { opset: 17 }));
  const s = uniform(shape, -1, 1, 9);
  // A 7-channel teacher whose every channel is 2·sqrt(mean_c s²): its map is 4× the student's, equal after normalising.
  const same = new Tensor('float64', [2, 7, 3, 3]);
  const sv = s.toNumbers();
  const per = 3 * 3;
  for (let n = 0; n < 2; n++) {
    for (let j = 0; j < per; j++) {
      let e = 0;
      for (let c = 0; c < 3; c++) e += sv[(n * 3 + c) * per + j]! ** 2;
      for (let c = 0; c < 7; c++) (same.data as Float64Array)[(n * 7 + c) * per + j] = Math.sqrt(e / 3) * 2;
    }
  }
  const out = await evaluate(m, { s, t: same });
  expectClose(out['out0']!.toNumbers(), [0], { atol: 1e-12 });
  assert.throws(
    () => buildModel([{ name: 's', shape }, { name: 't', shape: [2, 3, 4, 4] }], (b, [a, tt]) => attentionTransferLoss(b, [[a!, tt!]], { opset: 17 })),
    /spatial sizes \(H, W\) must match/,
  );
});
