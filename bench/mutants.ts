/**
 * N seeded mutants per format through the library's readers, counting what each does with them:
 *  - onnx: a small MLP (lenet-300-100 at width 0.1), inline and with external data, through `loadModel`; an
 *    accepted mutant is compared with the original (graph and weights as slimnet encodes them);
 *  - checkpoint: a training state ('<ck>.state', format v2) through `decodeState`, as mutated and with its
 *    SHA-256 recomputed after mutating (which reaches the header and tensor checks behind the checksum).
 * Containers have their own bench (container-mutants.ts). Prints one markdown table.
 * Usage: node dist/bench/mutants.js [--n 100000] [--seed 1] [--format onnx,checkpoint]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Model } from '../src/ir/graph.js';
import { isSlimnetError } from '../src/ir/errors.js';
import { encodeModel, loadModel, saveModel } from '../src/onnx/index.js';
import { sealState } from '../src/testing/checkpoint-state.js';
import { mutants } from '../src/testing/mutate.js';
import { decodeState, encodeState, type CheckpointState } from '../src/train/checkpoint.js';
import { buildZooModel } from '../src/zoo/index.js';

interface Tally {
  readonly counts: Map<string, number>;
  readonly crashes: string[];
  slowestMs: number;
  peakBytes: number;
}

const { values: v } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' }, seed: { type: 'string', default: '1' },
    format: { type: 'string', default: 'onnx,checkpoint' },
  },
});
const n = Number(v.n);
const seed = Number(v.seed);

function tally(): Tally {
  return { counts: new Map(), crashes: [], slowestMs: 0, peakBytes: 0 };
}

/** Runs `f`, files its outcome ('rejected CODE', or what `f` returns) and keeps the slowest time and peak memory. */
function run(t: Tally, what: string, f: () => string): void {
  const t0 = performance.now();
  let outcome: string;
  try {
    outcome = f();
  } catch (e) {
    if (isSlimnetError(e)) outcome = `rejected ${e.code}`;
    else {
      outcome = 'untyped crash';
      if (t.crashes.length < 5) t.crashes.push(`${what}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
  }
  t.slowestMs = Math.max(t.slowestMs, performance.now() - t0);
  const m = process.memoryUsage();
  t.peakBytes = Math.max(t.peakBytes, m.rss + m.arrayBuffers);
  t.counts.set(outcome, (t.counts.get(outcome) ?? 0) + 1);
}

/** A digest of the model as slimnet would write it: equal digests mean the same graph and weights. */
function initializerSignature(m: Model): string {
  return createHash('sha256').update(encodeModel(m)).digest('hex');
}

function onnxTally(): Tally {
  const t = tally();
  const root = mkdtempSync(join(tmpdir(), 'slimnet-mutants-'));
  try {
    for (const [k, external] of [false, true].entries()) {
      const dir = join(root, external ? 'ext' : 'inline');
      const path = join(dir, 'model.onnx');
      saveModel(buildZooModel('lenet-300-100', { width: 0.1, seed: 3 }), path,
        external ? { externalData: { threshold: 256 } } : { externalData: false });
      const original = initializerSignature(loadModel(path));
      const bytes = new Uint8Array(readFileSync(path));
      for (const m of mutants(bytes, Math.ceil(n / 2), seed + k)) {
        writeFileSync(path, m.bytes);
        run(t, m.description, () => initializerSignature(loadModel(path)) === original
          ? 'accepted, same model' : 'accepted, different model');
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return t;
}

function sampleState(): CheckpointState {
  const hex = 'ab'.repeat(32);
  const w = new Float32Array(3000).map((_, i) => Math.sin(i) * 0.1);
  const stats = (epoch: number): CheckpointState['history'][number] => ({
    epoch, trainLoss: 1 / epoch, trainError: 0.5 / epoch, testError: 0.2, lr: 0.01, seconds: 1.5,
    imagesPerSecond: 900,
  });
  return {
    epochsDone: 2, step: 24, history: [stats(1), stats(2)], model: { sha256: hex, previous: null },
    settings: {
      threads: 1, seed: 3, batchSize: 32, lr: 0.05,
      optimizer: { kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 0 },
      schedule: { kind: 'cosine', warmupEpochs: 0.3 }, blockedConvs: true, epochs: 4,
      graph: hex, data: hex, masks: hex,
    },
    tensors: new Map([
      ['fc.weight', w], ['fc.bias', new Float32Array([0.5, -1, 2])], ['fc.weight.velocity', w.map((x) => x / 2)],
    ]),
  };
}

function checkpointTally(forge: boolean): Tally {
  const t = tally();
  const original = encodeState(sampleState());
  const input = forge ? original.subarray(0, -32) : original;
  const same = (s: CheckpointState): boolean => encodeState(s).every((b, i) => b === original[i]);
  for (const m of mutants(input, n, seed + (forge ? 7 : 5), { lengthFields: [8] })) {
    run(t, m.description, () => (same(decodeState(forge ? sealState(m.bytes) : m.bytes))
      ? 'accepted, identical' : 'accepted, different'));
  }
  return t;
}

function row(format: string, t: Tally, seconds: number): string {
  const counts = [...t.counts.entries()].sort().map(([k, c]) => `${k} ${c.toLocaleString('en')}`).join('; ');
  const untyped = t.counts.get('untyped crash') ?? 0;
  return `| ${format} | ${n.toLocaleString('en')} | ${counts} | ${untyped} | ${t.slowestMs.toFixed(0)} ms | `
    + `${(t.peakBytes / 2 ** 20).toFixed(0)} MiB | ${seconds.toFixed(0)} s |`;
}

const rows: string[] = [];
const crashes: string[] = [];
const formats = (v.format as string).split(',');
const jobs: Array<[string, () => Tally]> = [];
if (formats.includes('onnx')) jobs.push(['ONNX (inline + external data)', onnxTally]);
if (formats.includes('checkpoint')) {
  jobs.push(['checkpoint state, as mutated', () => checkpointTally(false)]);
  jobs.push(['checkpoint state, SHA-256 recomputed', () => checkpointTally(true)]);
}
for (const [name, job] of jobs) {
  const t0 = performance.now();
  const t = job();
  rows.push(row(name, t, (performance.now() - t0) / 1000));
  crashes.push(...t.crashes);
  console.error(`${name}: done`);
}
console.log(`mutants per format: ${n}, seed ${seed}, node ${process.version}`);
console.log('| format | mutants | outcomes | untyped crashes | slowest | peak RSS + buffers | time |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
for (const c of crashes) console.log(`untyped: ${c}`);
