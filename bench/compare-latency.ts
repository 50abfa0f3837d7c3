/**
 * Interleaved latency comparison of two saved models (e.g. a baseline and its pruned version): wall-clock
 * median / min and median process CPU time per run, batch 1 and 64, one onnxruntime thread.
 *   node dist/bench/compare-latency.js [--runs 60] [--rounds 2] base.onnx pruned.onnx
 */
import { parseArgs } from 'node:util';
import { loadModel } from '../src/onnx/index.js';
import { compareLatency } from '../src/runtime/latency.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string', default: '60' }, rounds: { type: 'string', default: '2' } } });
if (positionals.length !== 2) throw new Error('usage: compare-latency.js [--runs N] [--rounds R] base.onnx pruned.onnx');
const [a, b] = positionals.map((p) => loadModel(p)) as [ReturnType<typeof loadModel>, ReturnType<typeof loadModel>];
console.log(`${positionals[0]} vs ${positionals[1]}: ${values.runs} interleaved runs per model, 1 thread`);
console.log('batch  wall median (A -> B)      speedup  wall min (A -> B)        CPU median (A -> B)       CPU speedup');
for (let round = 0; round < Number(values.rounds); round++) {
  for (const batchSize of [1, 64]) {
    const r = await compareLatency(a, b, { batchSize, runs: Number(values.runs), warmup: 10, threads: 1 });
    const d = batchSize === 1 ? 3 : 2;
    console.log([
      String(batchSize).padStart(5), `${r.a.medianMs.toFixed(d)} -> ${r.b.medianMs.toFixed(d)} ms`.padEnd(24), `${r.speedup.toFixed(2)}x`.padStart(7),
      `${r.a.minMs.toFixed(d)} -> ${r.b.minMs.toFixed(d)} ms`.padEnd(24), `${(r.a.cpu?.medianMs ?? NaN).toFixed(d)} -> ${(r.b.cpu?.medianMs ?? NaN).toFixed(d)} ms`.padEnd(25),
      `${(r.cpuSpeedup ?? NaN).toFixed(2)}x`.padStart(11),
    ].join('  '));
  }
}
