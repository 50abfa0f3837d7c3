/**
 * Deep Compression sweep (Han et al. 2016, Table 1): prune + retrain once per sparsity setting, then for each
 * k-means bit setting share + fine-tune codebooks, and for each relative-index width pack; prints test error,
 * container bytes and the ratio vs the dense float32 weights for every combination, then the best ratio whose
 * error is within --tolerance pp of the baseline, with its per-layer size table and measured latency.
 *   node dist/bench/deep-compress.js --model runs/lenet-300-100.onnx [--data mnist]
 *     [--sparsity han | 0.92 | file.json | 'step1;step2' (prune in steps, retraining after each)] [--prune iterative] [--cycles 4] [--epochs-per-cycle 3]
 *     [--retrain-epochs 8] [--lr 0.01] [--schedule cosine (of each retraining run)] [--weight-decay 0]
 *     [--pruned file.onnx (skip pruning)]
 *     [--start file.onnx (prune further from this already pruned model; the baseline stays --model)]
 *     [--bits "conv=8,fc=5;conv=8,fc=4"] [--gap "conv=8,fc=4;conv=5,fc=5"] [--finetune-epochs 2] [--finetune-lr 0.2]
 *     [--option key=value (more pruning-method options, e.g. scope=global)] [--tolerance 0.1] [--threads 1] [--out runs/dc] [--limit N]
 *     [--validation N (hold out the last N training images and report errors on them instead of the test split)]
 * Han et al.'s per-layer sparsities: LeNet-300-100 fc1 92 %, fc2 91 %, fc3 74 %; LeNet-5 conv1 34 %, conv2 88 %,
 * fc1 92 %, fc2 81 %.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { packWithReport } from '../src/compress/coding/container.js';
import { formatSizeTable } from '../src/compress/coding/size-table.js';
import { measureCompression } from '../src/compress/measure.js';
import { sparsityStats } from '../src/compress/pruning/common/sparsity.js';
import { pruneAndRetrain } from '../src/compress/pruning/unstructured/pipeline.js';
import type { SparsityTarget } from '../src/compress/pruning/unstructured/types.js';
import { finetuneCodebooks } from '../src/compress/quantization/kmeans/finetune.js';
import { kmeansShare } from '../src/compress/quantization/kmeans/share.js';
import { loadDataset } from '../src/data/load.js';
import type { Model } from '../src/ir/graph.js';
import { loadModel, saveModel } from '../src/onnx/index.js';
import { formatMeasurement } from '../src/report/measurement.js';
import { evaluate } from '../src/runtime/evaluate.js';
import { parseSchedule } from '../src/train/schedule.js';
import { atomicWrite } from '../src/util/atomic-write.js';
import { holdout } from './holdout.js';

const HAN: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'lenet-300-100': { fc1: 0.92, fc2: 0.91, fc3: 0.74 },
  lenet5: { conv1: 0.34, conv2: 0.88, fc1: 0.92, fc2: 0.81 },
};

type KindPair = { conv: number; fc: number };

function pairs(spec: string, defaults: KindPair): KindPair[] {
  return spec.split(';').filter((s) => s.trim() !== '').map((s) => {
    const out = { ...defaults };
    for (const kv of s.split(',')) {
      const [k, v] = kv.split('=');
      if (k === 'conv' || k === 'fc') out[k] = Number(v);
      else if (k !== undefined && v === undefined && Number.isFinite(Number(k))) out.conv = out.fc = Number(k);
    }
    return out;
  });
}

function sparsityOf(spec: string, model: Model): SparsityTarget {
  if (spec === 'han') {
    const h = HAN[model.graph.name];
    if (h === undefined) throw new Error(`no Han et al. preset for model '${model.graph.name}'`);
    return h;
  }
  if (spec.endsWith('.json')) return JSON.parse(readFileSync(spec, 'utf8')) as Record<string, number>;
  return Number(spec);
}

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      model: { type: 'string', default: 'runs/lenet-300-100.onnx' }, data: { type: 'string', default: 'mnist' },
      sparsity: { type: 'string', default: 'han' }, prune: { type: 'string', default: 'iterative' },
      cycles: { type: 'string', default: '4' }, 'epochs-per-cycle': { type: 'string', default: '3' },
      'retrain-epochs': { type: 'string', default: '8' }, lr: { type: 'string', default: '0.01' },
      schedule: { type: 'string', default: 'cosine' }, 'weight-decay': { type: 'string' },
      pruned: { type: 'string' }, start: { type: 'string' }, bits: { type: 'string', default: 'conv=8,fc=5' }, gap: { type: 'string', default: 'conv=8,fc=4' },
      'finetune-epochs': { type: 'string', default: '2' }, 'finetune-lr': { type: 'string', default: '0.2' },
      tolerance: { type: 'string', default: '0.1' }, threads: { type: 'string', default: '1' }, out: { type: 'string', default: 'runs/dc' },
      option: { type: 'string', multiple: true, default: [] }, limit: { type: 'string' }, validation: { type: 'string' },
      'latency-runs': { type: 'string', default: '50' }, seed: { type: 'string', default: '0' },
    },
  });
  const t0 = Date.now();
  const threads = Number(v.threads);
  const seed = Number(v.seed);
  const model = loadModel(v.model as string);
  const limits = v.limit === undefined ? {} : { limit: Number(v.limit), testLimit: 10000 };
  const loaded = loadDataset(v.data as string, limits);
  // --validation N: the last N training images replace the test split (choose settings without the test data)
  const data = v.validation === undefined ? loaded : holdout(loaded, Number(v.validation));
  const err = async (m: Model): Promise<number> => (await evaluate(m, data.test, { threads })).top1Error;
  const base = await err(model);
  const tag = basename(v.model as string).replace(/\.onnx$/, '');
  mkdirSync(v.out as string, { recursive: true });
  const checked = v.validation === undefined ? 'test' : 'validation';
  const split = v.validation === undefined ? 'test' : `validation (last ${v.validation} training images)`;
  console.log(`baseline ${v.model}: ${split} error ${pct(base)} (${data.test.count} samples); `
    + `tolerance +${v.tolerance} pp`);
  let pruned: Model;
  if (v.pruned !== undefined) {
    pruned = loadModel(v.pruned);
    console.log(`pruned model ${v.pruned}: ${checked} error ${pct(await err(pruned))}`);
  } else {
    const wd = v['weight-decay'] === undefined ? {} : { weightDecay: Number(v['weight-decay']) };
    const extra = Object.fromEntries((v.option as string[]).map((kv) => {
      const [k, x] = kv.split('=') as [string, string];
      return [k, Number.isFinite(Number(x)) ? Number(x) : x];
    }));
    // Each ';'-separated step prunes further and retrains with the full schedule (learning-rate rewinding).
    pruned = v.start === undefined ? model : loadModel(v.start);
    for (const step of (v.sparsity as string).split(';').filter((x) => x.trim() !== '')) {
      const r = await pruneAndRetrain(pruned, {
        method: v.prune as string, sparsity: sparsityOf(step, model), dataset: data, finetuneEpochs: Number(v['retrain-epochs']),
        methodOptions: { cycles: Number(v.cycles), epochsPerCycle: Number(v['epochs-per-cycle']), ...extra },
        lr: Number(v.lr), schedule: parseSchedule(v.schedule as string),
        threads, seed, skipBaseline: true, ...wd,
        onProgress: (p) => { if (p.kind === 'epoch') process.stderr.write(`  epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)}\n`); },
      });
      pruned = r.model;
      console.log(`pruned (${v.prune}, sparsity ${step}): ${checked} error ${pct(r.prunedError)} after the last cut `
        + `-> ${pct(r.afterError)} after retraining (${r.seconds.toFixed(0)} s)`);
    }
    saveModel(pruned, join(v.out as string, `${tag}.pruned.onnx`));
  }
  const s = sparsityStats(pruned);
  console.log(`nonzero weights ${s.nonzero} / ${s.params} (${(100 * s.nonzero / s.params).toFixed(2)} %, ${s.ratio.toFixed(1)}x): ${s.layers.map((l) => `${l.layer} ${(100 * (1 - l.sparsity)).toFixed(1)}%`).join(', ')}`);
  console.log('bits(conv/fc)  gap(conv/fc)  shared err  tuned err     Δ pp  container B   ratio');
  let best: { ratio: number; model: Model; bytes: Uint8Array; label: string; error: number; table: string } | undefined;
  for (const bits of pairs(v.bits as string, { conv: 8, fc: 5 })) {
    const shared = kmeansShare(pruned, { bits, seed });
    const sharedErr = await err(shared.model);
    const epochs = Number(v['finetune-epochs']);
    const tuned = epochs > 0
      ? (await finetuneCodebooks(shared.model, shared.layers, { dataset: data, epochs, lr: Number(v['finetune-lr']), threads, seed, validate: false })).model
      : shared.model;
    const tunedErr = epochs > 0 ? await err(tuned) : sharedErr;
    for (const gap of pairs(v.gap as string, { conv: 8, fc: 4 })) {
      const { bytes, report } = packWithReport(tuned, { gapBits: gap, maxBits: Math.max(8, bits.conv, bits.fc) });
      const d = 100 * (tunedErr - base);
      const ok = d <= Number(v.tolerance) + 1e-9;
      console.log([
        `${bits.conv}/${bits.fc}`.padEnd(14), `${gap.conv}/${gap.fc}`.padEnd(13), pct(sharedErr).padStart(10), pct(tunedErr).padStart(10),
        `${d >= 0 ? '+' : ''}${d.toFixed(2)}`.padStart(8), String(bytes.length).padStart(12), `${report.ratio.toFixed(1)}x`.padStart(7), ok ? ' within' : '',
      ].join(' '));
      if (ok && (best === undefined || report.ratio > best.ratio)) {
        best = { ratio: report.ratio, model: tuned, bytes, label: `bits ${bits.conv}/${bits.fc}, gap ${gap.conv}/${gap.fc}`, error: tunedErr, table: formatSizeTable(report) };
      }
    }
  }
  if (best === undefined) {
    console.log(`no setting within +${v.tolerance} pp of the baseline`);
  } else {
    console.log(`\nbest within +${v.tolerance} pp: ${best.label}: ${best.ratio.toFixed(1)}x (${best.bytes.length} B), error ${pct(base)} -> ${pct(best.error)}`);
    console.log(best.table);
    const m = await measureCompression(model, best.model, { test: data.test, threads, beforeError: base, afterError: best.error, packedBytes: best.bytes.length, latencyRuns: Number(v['latency-runs']) });
    console.log(formatMeasurement(m).join('\n'));
    atomicWrite(join(v.out as string, `${tag}.sldc`), best.bytes);
    saveModel(best.model, join(v.out as string, `${tag}.deep-compressed.onnx`));
  }
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

await main();
