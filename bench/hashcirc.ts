/**
 * HashedNets and circulant layers on LeNet-300-100 / MNIST (issue 6, items 3-4).
 *
 *   node dist/bench/hashcirc.js train CONFIG [--model runs/baselines/lenet-300-100.onnx] [--epochs N]
 *        [--form fft|dense] [--limit N] [--test-limit N] [--threads 1] [--out runs/hashcirc]
 *   node dist/bench/hashcirc.js latency [--runs 200] [--out runs/hashcirc] CONFIG...
 *
 * CONFIG = <method>-<variant>-<start>: hashed-8 / hashed-64 (compression factor per layer), circ (all three
 * layers circulant) / circ-fc12 (fc3 kept dense); start 'ft' = least-squares start from the trained
 * baseline, then fine-tuning (lr 0.01 cosine, 10 epochs); 'scratch' = the baseline's own recipe from the
 * zoo's seed-1 initial weights with random buckets / vectors (20 epochs, lr 0.05 cosine, wd 1e-4).
 * Circulant models train in their FFT form (through the DFT gradient rules) unless --form dense (the same
 * function and gradients, a gathered dense weight; faster to train on this CPU). `train` writes
 * <out>/<config>.onnx (+ .slhn for hashed) and <config>.json; `latency` compares each saved model with the
 * baseline in interleaved blocks (1 thread), circulant models in both FFT and dense forms.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { circulant, circulantForm } from '../src/compress/sharing/circulant/index.js';
import type { SharingReport } from '../src/compress/sharing/common/report.js';
import type { SharingTrainOptions } from '../src/compress/sharing/common/train-shared.js';
import { hashNet, packHashedWithReport } from '../src/compress/sharing/hashed/index.js';
import { loadDataset } from '../src/data/load.js';
import type { Model } from '../src/ir/graph.js';
import { encodeModel, loadModel, saveModel } from '../src/onnx/index.js';
import { evaluate } from '../src/runtime/evaluate.js';
import { compareLatency } from '../src/runtime/latency.js';
import { buildZooModel } from '../src/zoo/index.js';

interface Config {
  readonly method: 'hashed' | 'circ';
  readonly factor: number;
  readonly excludeFc3: boolean;
  readonly scratch: boolean;
}

function parseConfig(name: string): Config {
  const m = /^(hashed-(8|64)|circ(-fc12)?)-(ft|scratch)$/.exec(name);
  if (m === null) throw new Error(`unknown config '${name}' (e.g. hashed-8-ft, hashed-64-scratch, circ-ft, circ-fc12-scratch)`);
  return { method: name.startsWith('hashed') ? 'hashed' : 'circ', factor: Number(m[2] ?? 0), excludeFc3: m[3] !== undefined, scratch: m[4] === 'scratch' };
}

const pct = (e: number): string => `${(100 * e).toFixed(2)} %`;

async function trainConfig(name: string, v: Record<string, string | undefined>): Promise<void> {
  const c = parseConfig(name);
  const base = loadModel(v.model as string);
  const start: Model = c.scratch ? buildZooModel('lenet-300-100', { seed: 1 }) : base;
  const limit = v.limit === undefined ? {} : { limit: Number(v.limit) };
  const testLimit = v['test-limit'] === undefined ? {} : { testLimit: Number(v['test-limit']) };
  const epochs = Number(v.epochs ?? (c.scratch ? 20 : 10));
  const t0 = Date.now();
  const train: SharingTrainOptions = {
    dataset: 'mnist', datasetOptions: { ...limit, ...testLimit }, epochs, threads: Number(v.threads ?? 1), seed: 1,
    lr: c.scratch ? 0.05 : 0.01, schedule: { kind: 'cosine' }, ...(c.scratch ? { weightDecay: 1e-4 } : {}),
    onProgress: (p) => {
      if (p.kind === 'epoch' && p.stats !== undefined) console.log(`  epoch ${p.epoch}/${p.epochs}: train loss ${p.stats.trainLoss.toFixed(4)}, test error ${pct(p.stats.testError)} (${p.stats.seconds.toFixed(1)} s, ${p.stats.imagesPerSecond.toFixed(0)} img/s)`);
    },
  };
  const init = c.scratch ? 'random' : undefined;
  const r = c.method === 'hashed'
    ? await hashNet(start, { factor: c.factor, seed: 1, ...(init === undefined ? {} : { init }), train })
    : await circulant(start, { mode: v.form === 'dense' ? 'dense' : 'fft', seed: 1, ...(c.excludeFc3 ? { exclude: ['fc3'] } : {}), ...(init === undefined ? {} : { init: 'random' as const }), train });
  const seconds = (Date.now() - t0) / 1000;
  const out = v.out as string;
  mkdirSync(out, { recursive: true });
  saveModel(r.model, join(out, `${name}.onnx`));
  const packed = c.method === 'hashed' ? packHashedWithReport(r.model).report.totalBytes : undefined;
  if (c.method === 'hashed') writeFileSync(join(out, `${name}.slhn`), packHashedWithReport(r.model).bytes);
  const test = loadDataset('mnist', testLimit).test;
  const errors = { baseline: (await evaluate(base, test, { threads: 1 })).top1Error, after: (await evaluate(r.model, test, { threads: 1 })).top1Error };
  const bytes = { baseline: encodeModel(base).length, onnx: encodeModel(r.model).length, ...(packed === undefined ? {} : { packed }) };
  printReport(name, r.report, errors, bytes, seconds);
  writeFileSync(join(out, `${name}.json`), JSON.stringify({ config: name, epochs, seconds, errors, bytes, report: r.report }, null, 2));
}

function printReport(name: string, rep: SharingReport, errors: { baseline: number; after: number }, bytes: { baseline: number; onnx: number; packed?: number }, seconds: number): void {
  console.log(`\n== ${name} (${seconds.toFixed(0)} s)`);
  for (const l of rep.layers) console.log(`  ${l.node} ${l.inFeatures}->${l.outFeatures}: ${l.denseParams} -> ${l.params} (${l.ratio.toFixed(1)}x, ${l.detail})`);
  console.log(`params: ${rep.paramsBefore} -> ${rep.paramsAfter} (${rep.ratio.toFixed(2)}x fewer)`);
  console.log(`test error: baseline ${pct(errors.baseline)} -> ${pct(errors.after)} (${(100 * (errors.after - errors.baseline)).toFixed(2)} pp)`);
  console.log(`bytes: dense ONNX ${bytes.baseline} -> ONNX ${bytes.onnx} (${(bytes.baseline / bytes.onnx).toFixed(1)}x)${bytes.packed === undefined ? '' : `, packed ${bytes.packed} (${(bytes.baseline / bytes.packed).toFixed(1)}x)`}`);
}

async function latency(configs: readonly string[], v: Record<string, string | undefined>): Promise<void> {
  const base = loadModel(v.model as string);
  const runs = Number(v.runs ?? 200);
  console.log(`| model | form | batch 1: baseline → model (ms) | speedup | batch 64: baseline → model (ms) | speedup |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const name of configs) {
    const m = loadModel(join(v.out as string, `${name}.onnx`));
    const forms: Array<[string, Model]> = parseConfig(name).method === 'circ'
      ? [['fft', circulantForm(m, 'fft')], ['dense (gathered)', circulantForm(m, 'dense')]]
      : [['hash-index ONNX', m]];
    for (const [form, model] of forms) {
      const cells: string[] = [];
      for (const batchSize of [1, 64]) {
        const c = await compareLatency(base, model, { batchSize, runs: batchSize === 1 ? runs : Math.max(20, runs / 4), threads: 1, blocks: 10 });
        cells.push(`${c.a.medianMs.toFixed(3)} → ${c.b.medianMs.toFixed(3)} (min ${c.a.minMs.toFixed(3)} → ${c.b.minMs.toFixed(3)})`, `${c.speedup.toFixed(2)}x`);
      }
      console.log(`| ${name} | ${form} | ${cells.join(' | ')} |`);
    }
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      model: { type: 'string', default: 'runs/baselines/lenet-300-100.onnx' },
      epochs: { type: 'string' }, limit: { type: 'string' }, 'test-limit': { type: 'string' }, threads: { type: 'string' },
      runs: { type: 'string' }, form: { type: 'string' }, out: { type: 'string', default: 'runs/hashcirc' },
    },
  });
  const [cmd, ...rest] = positionals;
  readFileSync(values.model as string);
  if (cmd === 'train' && rest.length === 1) return trainConfig(rest[0] as string, values);
  if (cmd === 'latency' && rest.length > 0) return latency(rest, values);
  throw new Error('usage: hashcirc.js train CONFIG | latency CONFIG... (see the header of bench/hashcirc.ts)');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
