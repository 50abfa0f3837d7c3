import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FidelityAccumulator, formatFidelity, isClassScores } from './fidelity.js';

test('fidelity of known outputs: cosine, SQNR, max error and top-1 agreement', () => {
  const a = new FidelityAccumulator('logits');
  // Two rows of three scores; the candidate adds noise 0.1 to one element and flips the second row's top class.
  a.add([1, 2, 3, 3, 2, 1], [1, 2, 3.1, 3, 3.5, 1], [2, 3]);
  const r = a.result();
  const refSq = 1 + 4 + 9 + 9 + 4 + 1;
  const errSq = 0.1 ** 2 + 1.5 ** 2;
  assert.ok(Math.abs(r.sqnrDb - 10 * Math.log10(refSq / errSq)) < 1e-9);
  assert.ok(Math.abs(r.maxAbsError - 1.5) < 1e-12);
  const dot = 1 + 4 + 9.3 + 9 + 7 + 1;
  const candSq = 1 + 4 + 3.1 ** 2 + 9 + 3.5 ** 2 + 1;
  assert.ok(Math.abs(r.cosine - dot / Math.sqrt(refSq * candSq)) < 1e-12);
  assert.equal(r.top1Agreement, 0.5);
  assert.equal(r.elements, 6);
});

test('identical outputs: infinite SQNR, cosine 1; non-class outputs have no agreement', () => {
  const a = new FidelityAccumulator('features');
  a.add([0.5, -1, 2, 0], [0.5, -1, 2, 0], [1, 2, 2]);
  const r = a.result();
  assert.equal(r.sqnrDb, Infinity);
  assert.equal(r.cosine, 1);
  assert.equal(r.top1Agreement, undefined);
  assert.equal(isClassScores([8, 1]), false);
  assert.equal(isClassScores([8, 10]), true);
  assert.match(formatFidelity([r])[0] as string, /features: cosine 1\.00000, SQNR ∞ dB, max \|Δ\| 0\.00/);
});

test('accumulating in batches equals one batch', () => {
  const ref = [0.3, -0.2, 1.5, 0.7, -1.1, 0.05, 2.2, -0.4];
  const cand = ref.map((x, i) => x + 0.01 * Math.sin(i));
  const whole = new FidelityAccumulator('y');
  whole.add(ref, cand, [4, 2]);
  const parts = new FidelityAccumulator('y');
  parts.add(ref.slice(0, 4), cand.slice(0, 4), [2, 2]);
  parts.add(ref.slice(4), cand.slice(4), [2, 2]);
  const [w, p] = [whole.result(), parts.result()];
  assert.ok(Math.abs(w.sqnrDb - p.sqnrDb) < 1e-9 && Math.abs(w.cosine - p.cosine) < 1e-12);
  assert.equal(w.top1Agreement, p.top1Agreement);
});
