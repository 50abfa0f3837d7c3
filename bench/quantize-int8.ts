/**
 * int8 end to end through quantize(): post-training (or QAT) int8 of trained models, then test error before /
 * after, file size ratio, per-layer SQNR, onnxruntime fusion and the measured latency speedup vs float at
 * batch 1 and 64 (median of interleaved runs via compareLatency, 1 thread).
 *   node dist/bench/quantize-int8.js [--data mnist] [--calibration minmax|percentile|entropy] [--format qoperator|qdq]
 *        [--per-tensor] [--reduce-range on|auto|off] [--batches 8] [--runs 50] [--auto-keep-db X] [--keep-float a,b]
 *        [--qat-epochs N] [--learn-scales] [--lr 0.001] [--qat-limit N] [--threads 1] [--out dir] model.onnx [more.onnx ...]
 */
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { QuantizeInt8Report } from '../src/compress/quantization/int8/pipeline.js';
import { quantize } from '../src/compress/quantization/quantize.js';
import { loadDataset } from '../src/data/load.js';
import { loadModel, saveModel } from '../src/onnx/index.js';
import { formatMeasurement } from '../src/report/measurement.js';
import { formatSummary } from '../src/report/summary.js';

async function main(): Promise<void> {
  const { values: v, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      data: { type: 'string', default: 'mnist' }, calibration: { type: 'string', default: 'percentile' }, format: { type: 'string', default: 'qoperator' },
      'per-tensor': { type: 'boolean', default: false }, 'reduce-range': { type: 'string', default: 'on' },
      batches: { type: 'string', default: '8' }, runs: { type: 'string', default: '50' },
      'auto-keep-db': { type: 'string' }, 'keep-float': { type: 'string' }, 'qat-epochs': { type: 'string', default: '0' },
      'learn-scales': { type: 'boolean', default: false }, lr: { type: 'string' }, 'qat-limit': { type: 'string' },
      percentile: { type: 'string' }, threads: { type: 'string', default: '1' }, out: { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new Error('give one or more trained model files');
  const full = loadDataset(v.data as string);
  const qatData = v['qat-limit'] === undefined ? full : loadDataset(v.data as string, { limit: Number(v['qat-limit']), testLimit: full.test.count });
  for (const path of positionals) {
    const model = loadModel(path);
    const options: Record<string, string | boolean> = {
      calibration: v.calibration as string, format: v.format as string, perTensor: v['per-tensor'] === true, calibrationBatches: v.batches as string,
      reduceRange: v['reduce-range'] as string,
      qatEpochs: v['qat-epochs'] as string, learnScales: v['learn-scales'] === true,
      ...(v.lr === undefined ? {} : { lr: v.lr }), ...(v.percentile === undefined ? {} : { percentile: v.percentile }),
      ...(v['auto-keep-db'] === undefined ? {} : { autoKeepDb: v['auto-keep-db'] }), ...(v['keep-float'] === undefined ? {} : { keepFloat: v['keep-float'] }),
    };
    const r = await quantize(model, {
      method: 'int8', options, data: Number(v['qat-epochs']) > 0 ? { ...qatData, test: full.test } : full, threads: Number(v.threads),
      measure: { latencyRuns: Number(v.runs) },
      onProgress: (p) => { if (p.kind === 'epoch') process.stderr.write(`  QAT epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)}\n`); },
    });
    const rep = r.report as unknown as QuantizeInt8Report;
    console.log(`\n== ${path} (${rep.format}, ${rep.method}, ${rep.perChannel ? 'per-channel' : 'per-tensor'} ${rep.weights.bits}-bit, QAT ${rep.qat?.epochs ?? 0} epochs${rep.qat?.learnScales === true ? ' + learned scales' : ''}; ${r.seconds.toFixed(1)} s)`);
    console.log(formatSummary(r.summary));
    console.log(formatMeasurement(r.measurement!).join('\n'));
    if (v.out !== undefined) {
      mkdirSync(v.out, { recursive: true });
      saveModel(r.model, join(v.out, basename(path).replace(/\.onnx$/, `.int8-${rep.format}.onnx`)), { protect: [path] });
    }
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
