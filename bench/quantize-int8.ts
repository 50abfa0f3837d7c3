/**
 * Post-training int8 end to end: quantize trained models, then report test error before / after, file size
 * ratio, per-layer SQNR, onnxruntime fusion and the measured latency speedup vs float at batch 1 and 64
 * (median of interleaved runs via compareLatency, 1 thread).
 *   node dist/bench/quantize-int8.js [--dataset mnist] [--method minmax|percentile|entropy] [--format qoperator|qdq]
 *        [--per-tensor] [--batches 8] [--runs 50] [--auto-keep-db X] [--out dir] model.onnx [more.onnx ...]
 */
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { quantizeInt8, type CalibrationMethod } from '../src/compress/quantization/int8/index.js';
import { loadDataset } from '../src/data/load.js';
import { encodeModel, loadModel, saveModel } from '../src/onnx/index.js';
import { compareLatency } from '../src/runtime/latency.js';
import { evaluate } from '../src/runtime/evaluate.js';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      dataset: { type: 'string', default: 'mnist' },
      method: { type: 'string', default: 'minmax' },
      format: { type: 'string', default: 'qoperator' },
      'per-tensor': { type: 'boolean', default: false },
      batches: { type: 'string', default: '8' },
      runs: { type: 'string', default: '50' },
      'auto-keep-db': { type: 'string' },
      'test-limit': { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new Error('give one or more trained model files');
  const dataset = loadDataset(values.dataset as string);
  const runs = Number(values.runs);
  const limit = values['test-limit'] === undefined ? {} : { limit: Number(values['test-limit']) };
  for (const path of positionals) {
    const model = loadModel(path);
    const t0 = Date.now();
    const { model: q, report } = await quantizeInt8(model, {
      dataset: dataset.train, calibrationBatches: Number(values.batches), method: values.method as CalibrationMethod,
      format: values.format as 'qdq' | 'qoperator', perChannel: values['per-tensor'] !== true,
      ...(values['auto-keep-db'] === undefined ? {} : { autoKeepFloatBelowDb: Number(values['auto-keep-db']) }),
    });
    const secs = (Date.now() - t0) / 1000;
    const before = await evaluate(model, dataset.test, { threads: 1, ...limit });
    const after = await evaluate(q, dataset.test, { threads: 1, ...limit });
    const fb = encodeModel(model).length;
    const qb = encodeModel(q).length;
    console.log(`\n== ${path} (${report.format}, ${report.method}, ${report.perChannel ? 'per-channel' : 'per-tensor'}; quantized in ${secs.toFixed(1)} s)`);
    console.log(`folded BN: ${report.foldedBatchNorms}, folded Relu: ${report.foldedRelus.length}, quantized nodes: ${report.quantizedNodes}, kept float: ${[...report.keptFloat, ...report.autoKeptFloat].join(', ') || '-'}`);
    console.log('layer SQNR (dB): ' + report.layers.map((l) => `${l.node}=${l.sqnrDb.toFixed(1)}`).join(' '));
    const f = report.fusion;
    if (f !== undefined) console.log(`fusion: ${f.fused ? 'ok' : 'UNFUSED ' + f.unfused.join(',')}; integer kernels ${f.integerNodes}; float compute nodes left: ${f.floatNodes.join(',') || '-'}`);
    console.log(`top-1 error: ${(100 * before.top1Error).toFixed(2)} % -> ${(100 * after.top1Error).toFixed(2)} % (${(100 * (after.top1Error - before.top1Error)).toFixed(2)} pp, ${after.count} test samples)`);
    console.log(`file size: ${fb} -> ${qb} bytes (${(fb / qb).toFixed(2)}x smaller)`);
    for (const batchSize of [1, 64]) {
      const c = await compareLatency(model, q, { batchSize, runs, threads: 1 });
      console.log(`latency batch ${batchSize}: float ${c.a.medianMs.toFixed(3)} ms, int8 ${c.b.medianMs.toFixed(3)} ms (median of ${runs}), speedup ${c.speedup.toFixed(2)}x`);
    }
    if (values.out !== undefined) {
      mkdirSync(values.out, { recursive: true });
      saveModel(q, join(values.out, basename(path).replace(/\.onnx$/, `.int8-${report.format}.onnx`)), { protect: [path] });
    }
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
