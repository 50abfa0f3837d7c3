import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor } from '../ir/tensor.js';
import { expectClose } from '../testing/expect-close.js';
import { buildModel, evaluate, uniform } from '../testing/grad-models.js';
import { expectGradient, gradcheck } from '../testing/gradcheck.js';
import { correctCount, klDivSoftened, mse, softmaxCrossEntropy } from './losses.js';

const N = 4;
const C = 5;
const LOGITS = { name: 'z', shape: [N, C] };
const LABELS = { name: 'y', shape: [N], dtype: 'int64' as const };
const labels = Tensor.i64([N], [0, 3, 4, 3]);
const z = uniform([N, C], -3, 3, 21);

function softmaxRows(x: readonly number[], scale = 1): number[][] {
  return Array.from({ length: N }, (_, n) => {
    const row = x.slice(n * C, (n + 1) * C).map((v) => v * scale);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, v) => a + v, 0);
    return e.map((v) => v / s);
  });
}

for (const opset of [11, 13, 18]) {
  test(`softmaxCrossEntropy with int64 labels (opset ${opset}): value and gradient`, async () => {
    const m = buildModel([LOGITS, LABELS], (b, [logits, y]) => softmaxCrossEntropy(b, logits!, y!), { opset });
    const out = await evaluate(m, { z, y: labels });
    const p = softmaxRows(z.toNumbers());
    const want = -p.reduce((a, row, n) => a + Math.log(row[Number(labels.data[n])] as number), 0) / N;
    expectClose(out['out0']!.toNumbers(), [want], { rtol: 1e-12 });
    await gradcheck(m, { inputs: { z, y: labels }, wrt: ['z'] });
    // d loss / d z = (softmax(z) - onehot(y)) / N
    const expected = p.flatMap((row, n) => row.map((v, c) => (v - (c === Number(labels.data[n]) ? 1 : 0)) / N));
    await expectGradient(m, 'z', expected, { inputs: { z, y: labels }, rtol: 1e-10, atol: 1e-12 });
  });
}

test('softmaxCrossEntropy: sum reduction, probability labels, float32', async () => {
  const sum = buildModel([LOGITS, LABELS], (b, [logits, y]) => softmaxCrossEntropy(b, logits!, y!, { reduction: 'sum' }));
  await gradcheck(sum, { inputs: { z, y: labels }, wrt: ['z'] });
  const soft = buildModel([LOGITS, { name: 'q', shape: [N, C] }], (b, [logits, q]) => softmaxCrossEntropy(b, logits!, q!));
  const q = Tensor.f64([N, C], softmaxRows(uniform([N, C], -1, 1, 3).toNumbers()).flat());
  await gradcheck(soft, { inputs: { z, q } });
  const f32 = buildModel([LOGITS, LABELS], (b, [logits, y]) => softmaxCrossEntropy(b, logits!, y!), { dtype: 'float32' });
  await gradcheck(f32, { inputs: { y: labels }, wrt: ['z'] });
});

test('mse: value and gradient of both arguments', async () => {
  const m = buildModel([{ name: 'p', shape: [3, 2] }, { name: 't', shape: [3, 2] }], (b, [p, t]) => mse(b, p!, t!));
  const [p, t] = [uniform([3, 2], -1, 1, 1), uniform([3, 2], -1, 1, 2)];
  const out = await evaluate(m, { p, t });
  const want = p.toNumbers().reduce((a, v, i) => a + (v - t.toNumbers()[i]!) ** 2, 0) / 6;
  expectClose(out['out0']!.toNumbers(), [want], { rtol: 1e-12 });
  await gradcheck(m, { inputs: { p, t } });
});

for (const T of [1, 4]) {
  test(`klDivSoftened T=${T}: value, gradient check and closed-form student gradient`, async () => {
    const m = buildModel([LOGITS, { name: 't', shape: [N, C] }], (b, [s, t]) => klDivSoftened(b, s!, t!, T));
    const t = uniform([N, C], -3, 3, 5);
    const out = await evaluate(m, { z, t });
    const [q, p] = [softmaxRows(z.toNumbers(), 1 / T), softmaxRows(t.toNumbers(), 1 / T)];
    const kl = p.reduce((a, row, n) => a + row.reduce((s, pv, c) => s + pv * Math.log(pv / q[n]![c]!), 0), 0);
    expectClose(out['out0']!.toNumbers(), [(T * T * kl) / N], { rtol: 1e-10 });
    await gradcheck(m, { inputs: { z, t }, wrt: ['z'] });
    const expected = q.flatMap((row, n) => row.map((v, c) => (T * (v - p[n]![c]!)) / N));
    await expectGradient(m, 'z', expected, { inputs: { z, t }, rtol: 1e-10, atol: 1e-12 });
  });
}

test('klDivSoftened is zero with zero gradient when student equals teacher', async () => {
  const m = buildModel([LOGITS, { name: 't', shape: [N, C] }], (b, [s, t]) => klDivSoftened(b, s!, t!, 3));
  const out = await evaluate(m, { z, t: z });
  expectClose(out['out0']!.toNumbers(), [0], { atol: 1e-12 });
  await expectGradient(m, 'z', new Array<number>(N * C).fill(0), { inputs: { z, t: z }, atol: 1e-12 });
});

test('correctCount counts arg-max hits', async () => {
  const m = buildModel([LOGITS, LABELS], (b, [logits, y]) => correctCount(b, logits!, y!));
  const out = await evaluate(m, { z, y: labels });
  const p = softmaxRows(z.toNumbers());
  const hits = p.filter((row, n) => row.indexOf(Math.max(...row)) === Number(labels.data[n])).length;
  assert.equal(out['out0']!.toNumbers()[0], hits);
});

test('losses on a symbolic batch N (run-time shapes in the backward graph)', async () => {
  const logits = { name: 'z', shape: ['N', C] };
  const ce = buildModel([logits, { name: 'y', shape: ['N'], dtype: 'int64' }], (b, [zz, y]) => softmaxCrossEntropy(b, zz!, y!), { opset: 13 });
  await gradcheck(ce, { inputs: { z, y: labels }, wrt: ['z'], keepSymbolicShapes: true });
  const kd = buildModel([logits, { name: 't', shape: ['N', C] }], (b, [s, t]) => klDivSoftened(b, s!, t!, 2), { opset: 18 });
  await gradcheck(kd, { inputs: { z, t: uniform([N, C], -2, 2, 9) }, keepSymbolicShapes: true });
});
