/**
 * HashedNets and circulant layers on LeNet-300-100 / MNIST (issue 6, items 3-4).
 *
 *   node dist/bench/hashcirc.js train CONFIG [--model runs/baselines/lenet-300-100.onnx] [--epochs N]
 *        [--form fft|dense] [--lr RATE] [--limit N] [--test-limit N] [--threads 1] [--out runs/hashcirc]
 *   node dist/bench/hashcirc.js latency [--runs 200] [--out runs/hashcirc] CONFIG...
 *   node dist/bench/hashcirc.js layers [--runs 200] [--size pow2|exact]   (one fc layer: Gemm vs its FFT form)
 *   node dist/bench/hashcirc.js profile [--runs 100]    (onnxruntime per-node kernel times of the 784 -> 300 FFT
 *                                                        form and Gemm at batch 64; imports onnxruntime-node
 *                                                        directly because slimnet's Session has no profiling)
 *
 * CONFIG = <method>-<variant>-<start>: hashed-8 / hashed-64 (compression factor per layer), circ (all three
 * layers circulant) / circ-fc12 (fc3 kept dense) / circ-fc1 (only fc1); start 'ft' = least-squares start from the trained
 * baseline, then fine-tuning (lr 0.01 cosine, 10 epochs); 'scratch' = the baseline's own recipe from the
 * zoo's seed-1 initial weights with random buckets / vectors (20 epochs, lr 0.05 cosine, wd 1e-4).
 * Circulant models train in their FFT form (through the DFT gradient rules) unless --form dense (the same
 * function and gradients, a gathered dense weight; faster to train on this CPU). `train` writes
 * <out>/<config>.onnx (+ .slhn for hashed) and <config>.json; `latency` compares each saved model with the
 * baseline in interleaved blocks (1 thread), circulant models in both FFT and dense forms.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { circulant, circulantForm, circulantLayers } from '../src/compress/sharing/circulant/index.js';
import type { SharingReport } from '../src/compress/sharing/common/report.js';
import type { SharingTrainOptions } from '../src/compress/sharing/common/train-shared.js';
import { applyHashing, hashedSkeleton, hashNet, packHashedWithReport, readBuckets, readHashedLayers } from '../src/compress/sharing/hashed/index.js';
import { loadDataset } from '../src/data/load.js';
import { GraphBuilder } from '../src/ir/builder.js';
import type { Model } from '../src/ir/graph.js';
import { Tensor } from '../src/ir/tensor.js';
import { encodeModel, loadModel, saveModel } from '../src/onnx/index.js';
import { evaluate } from '../src/runtime/evaluate.js';
import { compareLatency } from '../src/runtime/latency.js';
import { buildZooModel } from '../src/zoo/index.js';

interface Config {
  readonly method: 'hashed' | 'circ';
  readonly factor: number;
  /** circulant: the layers made circulant (all three by default). */
  readonly only?: readonly string[];
  readonly scratch: boolean;
}

function parseConfig(name: string): Config {
  const m = /^(hashed-(8|64)|circ(-fc12|-fc1)?)-(ft|scratch)$/.exec(name);
  if (m === null) throw new Error(`unknown config '${name}' (e.g. hashed-8-ft, hashed-64-scratch, circ-ft, circ-fc12-scratch, circ-fc1-ft)`);
  const only = m[3] === '-fc12' ? ['fc1', 'fc2'] : m[3] === '-fc1' ? ['fc1'] : undefined;
  return { method: name.startsWith('hashed') ? 'hashed' : 'circ', factor: Number(m[2] ?? 0), ...(only === undefined ? {} : { only }), scratch: m[4] === 'scratch' };
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
    lr: Number(v.lr ?? (c.scratch ? 0.05 : 0.01)), schedule: { kind: 'cosine' }, ...(c.scratch ? { weightDecay: 1e-4 } : {}),
    onProgress: (p) => {
      if (p.kind === 'epoch' && p.stats !== undefined) console.log(`  epoch ${p.epoch}/${p.epochs}: train loss ${p.stats.trainLoss.toFixed(4)}, test error ${pct(p.stats.testError)} (${p.stats.seconds.toFixed(1)} s, ${p.stats.imagesPerSecond.toFixed(0)} img/s)`);
    },
  };
  const init = c.scratch ? 'random' : undefined;
  const r = c.method === 'hashed'
    ? await hashNet(start, { factor: c.factor, seed: 1, ...(init === undefined ? {} : { init }), train })
    : await circulant(start, { mode: v.form === 'dense' ? 'dense' : 'fft', seed: 1, ...(c.only === undefined ? {} : { only: c.only }), ...(init === undefined ? {} : { init: 'random' as const }), train });
  const seconds = (Date.now() - t0) / 1000;
  const out = v.out as string;
  mkdirSync(out, { recursive: true });
  saveModel(r.model, join(out, `${name}.onnx`));
  const packed = c.method === 'hashed' ? packHashedWithReport(r.model).report.totalBytes : undefined;
  if (c.method === 'hashed') writeFileSync(join(out, `${name}.slhn`), packHashedWithReport(r.model).bytes);
  const test = loadDataset('mnist', testLimit).test;
  const errors = { baseline: (await evaluate(base, test, { threads: 1 })).top1Error, after: (await evaluate(r.model, test, { threads: 1 })).top1Error };
  const bytes = { baseline: encodeModel(base).length, onnx: encodeModel(r.model).length, ...(packed === undefined ? {} : { packed }) };
  console.log(`\n${epochs} epochs, lr ${train.lr} cosine${c.scratch ? ', wd 1e-4, from the zoo seed-1 init with random buckets / vectors' : ', from the trained baseline (least-squares start)'}`);
  printReport(name, r.report, errors, bytes, seconds);
  writeFileSync(join(out, `${name}.json`), JSON.stringify({ config: name, epochs, lr: train.lr, seconds, errors, bytes, report: r.report }, null, 2));
}

function printReport(name: string, rep: SharingReport, errors: { baseline: number; after: number }, bytes: { baseline: number; onnx: number; packed?: number }, seconds: number): void {
  console.log(`\n== ${name} (${seconds.toFixed(0)} s)`);
  for (const l of rep.layers) console.log(`  ${l.node} ${l.inFeatures}->${l.outFeatures}: ${l.denseParams} -> ${l.params} (${l.ratio.toFixed(1)}x, ${l.detail})`);
  console.log(`params: ${rep.paramsBefore} -> ${rep.paramsAfter} (${rep.ratio.toFixed(2)}x fewer)`);
  console.log(`test error: baseline ${pct(errors.baseline)} -> ${pct(errors.after)} (${(100 * (errors.after - errors.baseline)).toFixed(2)} pp)`);
  console.log(`bytes: dense ONNX ${bytes.baseline} -> ONNX ${bytes.onnx} (${(bytes.baseline / bytes.onnx).toFixed(1)}x)${bytes.packed === undefined ? '' : `, packed ${bytes.packed} (${(bytes.baseline / bytes.packed).toFixed(1)}x)`}`);
}

/** The same hashed model with an int32 index initializer instead of the in-graph hash (for comparison). */
function storedIndexForm(m: Model): Model {
  const layers = readHashedLayers(m);
  const buckets = new Map(layers.map((l) => [l.weight, readBuckets(m, l)]));
  return applyHashing(hashedSkeleton(m, layers), layers.map((l) => ({ ...l, index: 'stored' as const })), buckets);
}

async function latency(configs: readonly string[], v: Record<string, string | undefined>): Promise<void> {
  const base = loadModel(v.model as string);
  const runs = Number(v.runs ?? 200);
  console.log(`baseline ONNX: ${encodeModel(base).length} bytes; median (min) of interleaved runs, 1 thread`);
  console.log(`| model | form | ONNX bytes | batch 1: baseline → model (ms) | speedup | batch 64: baseline → model (ms) | speedup |`);
  console.log(`|---|---|---|---|---|---|---|`);
  for (const name of configs) {
    const m = loadModel(join(v.out as string, `${name}.onnx`));
    const forms: Array<[string, Model]> = parseConfig(name).method === 'circ'
      ? [['fft', circulantForm(m, 'fft')], ['dense (gathered)', circulantForm(m, 'dense')]]
      : [['hash-index ONNX', m], ['stored-index ONNX', storedIndexForm(m)]];
    for (const [form, model] of forms) {
      const cells: string[] = [];
      for (const batchSize of [1, 64]) {
        const c = await compareLatency(base, model, { batchSize, runs: batchSize === 1 ? runs : Math.max(20, runs / 4), threads: 1, blocks: 10 });
        cells.push(`${c.a.medianMs.toFixed(3)} → ${c.b.medianMs.toFixed(3)} (min ${c.a.minMs.toFixed(3)} → ${c.b.minMs.toFixed(3)})`, `${c.speedup.toFixed(2)}x`);
      }
      console.log(`| ${name} | ${form} | ${encodeModel(model).length} | ${cells.join(' | ')} |`);
    }
  }
}

/** A single Gemm layer in -> out (random weights) as a model. */
function gemmLayer(inF: number, outF: number): Model {
  const b = new GraphBuilder('fc');
  const x = b.input('x', 'float32', ['N', inF]);
  const w = b.initializer('w', Tensor.f32([outF, inF], Array.from({ length: inF * outF }, (_, i) => Math.sin(i) / Math.sqrt(inF))));
  b.output(b.op('Gemm', [x, w, b.initializer('b', Tensor.f32([outF]))], { transB: 1 }, { name: 'fc' }), 'y');
  return b.build(17);
}

async function layers(v: Record<string, string | undefined>): Promise<void> {
  const runs = Number(v.runs ?? 200);
  console.log('| layer | d | batch 1: Gemm → FFT form (ms) | ratio | batch 64: Gemm → FFT form (ms) | ratio |');
  console.log('|---|---|---|---|---|---|');
  for (const [inF, outF] of [[784, 300], [300, 100], [100, 10], [1024, 1024]] as const) {
    const dense = gemmLayer(inF, outF);
    const { model: fft, layers: ls } = circulantLayers(dense, { mode: 'fft', size: v.size === 'exact' ? 'exact' : 'pow2' });
    const cells: string[] = [];
    for (const batchSize of [1, 64]) {
      const c = await compareLatency(dense, fft, { batchSize, runs: batchSize === 1 ? runs : Math.max(20, runs / 4), threads: 1, blocks: 10 });
      cells.push(`${c.a.medianMs.toFixed(3)} → ${c.b.medianMs.toFixed(3)} (min ${c.a.minMs.toFixed(3)} → ${c.b.minMs.toFixed(3)})`, `${c.speedup.toFixed(2)}x`);
    }
    console.log(`| ${inF} → ${outF} | ${ls[0]?.size} | ${cells.join(' | ')} |`);
  }
}

/** Median kernel time per node (onnxruntime's profiler), batch 64, 1 thread. */
async function profile(v: Record<string, string | undefined>): Promise<void> {
  const runs = Number(v.runs ?? 100);
  const dense = gemmLayer(784, 300);
  for (const [label, model] of [['Gemm 784 -> 300', dense], ['circulant FFT form, d = 1024', circulantLayers(dense, { mode: 'fft' }).model]] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'slimnet-prof-'));
    const s = await ort.InferenceSession.create(encodeModel(model), {
      intraOpNumThreads: 1, interOpNumThreads: 1, enableProfiling: true, profileFilePrefix: join(dir, 'p'), extra: { session: { 'intra_op.allow_spinning': '0' } },
    });
    const feed = { x: new ort.Tensor('float32', Float32Array.from({ length: 64 * 784 }, (_, i) => Math.cos(i)), [64, 784]) };
    for (let i = 0; i < runs; i++) await s.run(feed);
    s.endProfiling();
    await s.release();
    const file = readdirSync(dir).find((f) => f.endsWith('.json'));
    const events = JSON.parse(readFileSync(join(dir, file as string), 'utf8')) as Array<{ cat: string; name: string; dur: number; args: { op_name?: string } }>;
    const times = new Map<string, number[]>();
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const key = `${e.args.op_name ?? '?'} ${e.name.replace(/_kernel_time$/, '')}`;
      times.set(key, [...(times.get(key) ?? []), e.dur]);
    }
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
    let total = 0;
    console.log(`\n${label}: median kernel time per node over ${runs} runs (µs)`);
    for (const [k, xs] of times) {
      total += med(xs);
      console.log(`  ${k.padEnd(44)} ${String(med(xs)).padStart(6)}`);
    }
    console.log(`  ${'sum of medians'.padEnd(44)} ${String(total).padStart(6)}`);
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      model: { type: 'string', default: 'runs/baselines/lenet-300-100.onnx' },
      epochs: { type: 'string' }, limit: { type: 'string' }, 'test-limit': { type: 'string' }, threads: { type: 'string' },
      runs: { type: 'string' }, form: { type: 'string' }, lr: { type: 'string' }, size: { type: 'string' }, out: { type: 'string', default: 'runs/hashcirc' },
    },
  });
  const [cmd, ...rest] = positionals;
  readFileSync(values.model as string);
  if (cmd === 'train' && rest.length === 1) return trainConfig(rest[0] as string, values);
  if (cmd === 'latency' && rest.length > 0) return latency(rest, values);
  if (cmd === 'layers') return layers(values);
  if (cmd === 'profile') return profile(values);
  throw new Error('usage: hashcirc.js train CONFIG | latency CONFIG... (see the header of bench/hashcirc.ts)');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
