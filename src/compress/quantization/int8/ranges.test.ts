import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../util/rng.js';
import { accumulateHistogram, chooseRange, entropyThreshold, HISTOGRAM_BINS, percentileThreshold, type TensorStats } from './ranges.js';

function statsOf(data: Float32Array): TensorStats {
  let min = Infinity;
  let max = -Infinity;
  for (const x of data) {
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const histMax = Math.max(-min, max);
  const hist = new Float64Array(HISTOGRAM_BINS);
  accumulateHistogram(hist, histMax, data);
  return { min, max, hist, histMax };
}

test('min-max returns the exact extremes', () => {
  const s = statsOf(Float32Array.from([-0.75, 0.1, 2.5, 1]));
  assert.deepEqual(chooseRange(s, { method: 'minmax' }), { lo: -0.75, hi: 2.5 });
});

test('percentile of a uniform |x| distribution is at the matching fraction of the max', () => {
  const data = new Float32Array(100000);
  for (let i = 0; i < data.length; i++) data[i] = (i / data.length) * 10;
  const s = statsOf(data);
  const t = percentileThreshold(s.hist as Float64Array, s.histMax as number, 90);
  assert.ok(Math.abs(t - 9) < 0.02, `threshold ${t}`);
  const r = chooseRange(s, { method: 'percentile', percentile: 99 });
  assert.equal(r.lo, 0);
  assert.ok(Math.abs(r.hi - 9.9) < 0.02, `hi ${r.hi}`);
});

test('entropy threshold clips a heavy tail well below the max, and keeps a uniform range', () => {
  const rng = new Rng(1);
  const data = new Float32Array(50000);
  for (let i = 0; i < data.length; i++) {
    const u = rng.next() - 0.5;
    data[i] = -Math.sign(u) * Math.log(1 - 2 * Math.abs(u)); // Laplace(0, 1)
  }
  data[0] = 60; // a far outlier
  const s = statsOf(data);
  const t = entropyThreshold(s.hist as Float64Array, s.histMax as number, 128);
  assert.ok(t < 0.5 * (s.histMax as number), `threshold ${t} vs max ${s.histMax}`);
  assert.ok(t > 3, `threshold ${t} should keep the bulk`);
  const uniform = new Float32Array(20000);
  for (let i = 0; i < uniform.length; i++) uniform[i] = rng.next() * 4;
  const su = statsOf(uniform);
  const tu = entropyThreshold(su.hist as Float64Array, su.histMax as number, 128);
  assert.ok(tu > 0.9 * (su.histMax as number), `uniform threshold ${tu}`);
});

test('entropy keeps the range of a ReLU output: the spike of exact zeros is left out of the histogram', () => {
  const rng = new Rng(2);
  const data = new Float32Array(40000);
  for (let i = 0; i < data.length; i++) data[i] = i % 2 === 0 ? 0 : Math.abs(rng.normal());
  const s = statsOf(data);
  assert.equal((s.hist as Float64Array).reduce((a, b) => a + b, 0), 20000);
  const t = entropyThreshold(s.hist as Float64Array, s.histMax as number, 256);
  assert.ok(t > 2.5, `threshold ${t} of max ${s.histMax}`);
  const r = chooseRange(s, { method: 'entropy' });
  assert.equal(r.lo, 0);
  assert.ok(r.hi > 2.5);
});
