import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../ir/builder.js';
import type { Dim } from '../ir/shape.js';
import { Tensor } from '../ir/tensor.js';
import { compareLatency, measureLatency, summarize } from './latency.js';

function gemmModel(inputShape: readonly Dim[] = ['N', 64], hidden = 64): ReturnType<GraphBuilder['build']> {
  const b = new GraphBuilder('mlp');
  const x = b.input('x', 'float32', inputShape);
  const w = b.initializer('w', Tensor.f32([hidden, 64], Array.from({ length: hidden * 64 }, (_, i) => ((i * 7) % 13) / 13 - 0.5)));
  b.output(b.op('Relu', [b.op('Gemm', [x, w], { transB: 1 })]), 'y');
  return b.build();
}

test('summarize: median, nearest-rank p90, mean, min', () => {
  const s = summarize([5, 1, 4, 2, 3, 10, 6, 7, 8, 9], 2, 1);
  assert.equal(s.medianMs, 5.5);
  assert.equal(s.p90Ms, 9);
  assert.equal(s.meanMs, 5.5);
  assert.equal(s.minMs, 1);
  assert.equal(s.runs, 10);
  assert.equal(summarize([3, 1, 2], 1, 1).medianMs, 2);
});

test('measureLatency returns sane numbers', async () => {
  const r = await measureLatency(gemmModel(), { batchSize: 8, warmup: 2, runs: 9, threads: 1 });
  assert.equal(r.runs, 9);
  assert.equal(r.batchSize, 8);
  assert.equal(r.threads, 1);
  assert.ok(r.minMs > 0 && r.minMs <= r.medianMs && r.medianMs <= r.p90Ms, JSON.stringify(r));
  assert.ok(r.meanMs >= r.minMs && r.medianMs < 1000);
});

test('compareLatency times both models and reports the speedup of b over a', async () => {
  const c = await compareLatency(gemmModel(['N', 64], 512), gemmModel(['N', 64], 8), { batchSize: 32, warmup: 2, runs: 12, blocks: 3, pauseMs: 1 });
  assert.equal(c.a.runs, 12);
  assert.equal(c.b.runs, 12);
  assert.equal(c.speedup, c.a.medianMs / c.b.medianMs);
  assert.ok(Number.isFinite(c.speedup) && c.speedup > 0);
  assert.ok(c.a.cpu !== undefined && c.b.cpu !== undefined && c.a.cpu.minMs >= 0 && c.a.cpu.medianMs >= c.a.cpu.minMs, JSON.stringify(c.a.cpu));
  assert.equal(c.cpuSpeedup, c.b.cpu.medianMs > 0 ? c.a.cpu.medianMs / c.b.cpu.medianMs : undefined);
});

test('inputs with free non-batch dims need inputDims', async () => {
  const m = gemmModel(['N', 'D']);
  await assert.rejects(measureLatency(m, { batchSize: 2, runs: 2, warmup: 0 }), /input 'x' is declared \[N,D\]: dimension 1 is not fixed; give its dims in opts\.inputDims/);
  const r = await measureLatency(m, { batchSize: 2, runs: 2, warmup: 0, inputDims: { x: [2, 64] } });
  assert.equal(r.runs, 2);
  await assert.rejects(measureLatency(m, { batchSize: 0 }), /batchSize must be a positive integer/);
});
