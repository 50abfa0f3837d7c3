/**
 * N seeded mutants per format through the library's readers, in-process, counting what each reader does with them:
 *  - onnx: a small MLP (lenet-300-100 at width 0.1) saved inline and with external data, half the mutants each,
 *    through `loadModel`; an accepted mutant is compared with the original: a different parameter count,
 *    different weights (values or names), a different graph / metadata only, or identical;
 *  - container: the small Deep Compression container of src/testing/sldc-fixture.ts through `unpack`, as mutated
 *    (CRC-32s intact) and with its checksums forged after mutating (resealFrame), which reaches the structural checks;
 *  - checkpoint: a training state (format v2) through `decodeState`, as mutated and with its SHA-256 recomputed
 *    after mutating (which reaches the header and tensor checks behind the checksum).
 * Mutations (src/testing/mutate.ts): bit flips, byte overwrites, truncations, insertions, deletions, u32 length-field
 * edits. Prints one markdown table (rejected with a typed error by code, accepted identical, accepted different by
 * how, untyped crashes, slowest mutant, total time, peak RSS) and the first untyped crash messages.
 * Usage: node dist/bench/mutants.js [--format onnx,container,checkpoint] [--n 100000] [--seed 1]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resealFrame, sectionSpans } from '../src/compress/coding/frame.js';
import { unpack } from '../src/compress/coding/unpack.js';
import type { Model } from '../src/ir/graph.js';
import { isSlimnetError } from '../src/ir/errors.js';
import { encodeModel, loadModel, saveModel } from '../src/onnx/index.js';
import { sealState } from '../src/testing/checkpoint-state.js';
import { mutants } from '../src/testing/mutate.js';
import { initializerBytes, sameInitializers, smallContainer } from '../src/testing/sldc-fixture.js';
import { decodeState, encodeState, type CheckpointState } from '../src/train/checkpoint.js';
import { buildZooModel } from '../src/zoo/index.js';

/** What happened to the mutants of one row of the table. */
interface Tally {
  /** 'rejected CODE', 'identical', 'different: HOW' or 'untyped' -> count. */
  readonly counts: Map<string, number>;
  readonly crashes: string[];
  slowestMs: number;
  slowest: string;
  peakRss: number;
}

/** What a reader made of an accepted mutant: 'identical' or 'different: HOW'. */
type Verdict = 'identical' | `different: ${string}`;

const FORMATS = ['onnx', 'container', 'checkpoint'] as const;
const MAX_CRASHES = 5;

const { values: v } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    format: { type: 'string', default: FORMATS.join(',') },
  },
});
const n = Number(v.n);
const seed = Number(v.seed);
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(seed)) throw new Error('--n (>= 1) and --seed must be integers');

function tally(): Tally {
  return { counts: new Map(), crashes: [], slowestMs: 0, slowest: '', peakRss: process.memoryUsage.rss() };
}

function bump(t: Tally, key: string): void {
  t.counts.set(key, (t.counts.get(key) ?? 0) + 1);
}

/** Runs `read` on one mutant, files its outcome and keeps the slowest time and the peak RSS. */
function run(t: Tally, what: string, read: () => Verdict): void {
  const t0 = performance.now();
  try {
    bump(t, read());
  } catch (e) {
    if (isSlimnetError(e)) bump(t, `rejected ${e.code}`);
    else {
      bump(t, 'untyped');
      const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      if (t.crashes.length < MAX_CRASHES) t.crashes.push(`${what}: ${message}`);
    }
  }
  const ms = performance.now() - t0;
  if (ms > t.slowestMs) {
    t.slowestMs = ms;
    t.slowest = what;
  }
  t.peakRss = Math.max(t.peakRss, process.memoryUsage.rss());
}

// ---------------------------------------------------------------- onnx

function paramCount(m: Model): number {
  let total = 0;
  for (const value of m.graph.initializers.values()) total += value.initializer?.size ?? 0;
  return total;
}

/** How an accepted model compares with the original. */
function onnxJudge(original: Model): (m: Model) => Verdict {
  const params = paramCount(original);
  const weights = initializerBytes(original);
  const digest = (m: Model): string => createHash('sha256').update(encodeModel(m)).digest('hex');
  const whole = digest(original);
  return (m) => {
    if (paramCount(m) !== params) return 'different: parameter count';
    if (!sameInitializers(initializerBytes(m), weights)) return 'different: weights (values or names)';
    return digest(m) === whole ? 'identical' : 'different: graph or metadata only';
  };
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
      const judge = onnxJudge(loadModel(path));
      const bytes = new Uint8Array(readFileSync(path));
      const count = k === 0 ? Math.ceil(n / 2) : Math.floor(n / 2);
      for (const m of mutants(bytes, count, seed + k)) {
        writeFileSync(path, m.bytes);
        run(t, `${external ? 'external' : 'inline'} ${m.description}`, () => judge(loadModel(path)));
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return t;
}

// ---------------------------------------------------------------- container

function containerTally(forge: boolean): Tally {
  const t = tally();
  const { bytes } = smallContainer();
  const original = initializerBytes(unpack(bytes));
  const lengthFields = [5, 9, ...sectionSpans(bytes).map((s) => s.lengthOffset)];
  for (const m of mutants(bytes, n, seed + (forge ? 3 : 2), { lengthFields })) {
    run(t, m.description, () => {
      const model = unpack(forge ? resealFrame(m.bytes) : m.bytes);
      return sameInitializers(initializerBytes(model), original) ? 'identical' : 'different: weights';
    });
  }
  return t;
}

// ---------------------------------------------------------------- checkpoint

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
  // Forging mutates the body (everything before the SHA-256) and seals it again.
  const input = forge ? original.subarray(0, -32) : original;
  const same = (s: CheckpointState): boolean => {
    const again = encodeState(s);
    return again.length === original.length && again.every((b, i) => b === original[i]);
  };
  for (const m of mutants(input, n, seed + (forge ? 7 : 5), { lengthFields: [8] })) {
    run(t, m.description, () => (same(decodeState(forge ? sealState(m.bytes) : m.bytes))
      ? 'identical' : 'different: header or tensors'));
  }
  return t;
}

// ---------------------------------------------------------------- table

const fmt = (x: number): string => x.toLocaleString('en');

/** "total (a 1; b 2)" over the counts whose key starts with `prefix`, or "0". */
function grouped(t: Tally, prefix: string): string {
  const parts = [...t.counts.entries()].filter(([k]) => k.startsWith(prefix)).sort((a, b) => b[1] - a[1]);
  const total = parts.reduce((s, [, c]) => s + c, 0);
  if (parts.length === 0) return '0';
  const detail = parts.map(([k, c]) => `${k.slice(prefix.length) || '?'} ${fmt(c)}`).join('; ');
  return `${fmt(total)} (${detail})`;
}

function row(format: string, t: Tally, seconds: number): string {
  const cells = [
    format, fmt(n), grouped(t, 'rejected '), fmt(t.counts.get('identical') ?? 0), grouped(t, 'different: '),
    fmt(t.counts.get('untyped') ?? 0), `${t.slowestMs.toFixed(1)} ms`, `${seconds.toFixed(1)} s`,
    `${(t.peakRss / 2 ** 20).toFixed(0)} MiB`,
  ];
  return `| ${cells.join(' | ')} |`;
}

const wanted = (v.format as string).split(',').map((f) => f.trim());
const unknown = wanted.filter((f) => !(FORMATS as readonly string[]).includes(f));
if (unknown.length > 0) throw new Error(`unknown --format ${unknown.join(',')} (valid: ${FORMATS.join(', ')})`);
const jobs: Array<[string, () => Tally]> = [];
if (wanted.includes('onnx')) jobs.push(['ONNX (inline + external data), loadModel', onnxTally]);
if (wanted.includes('container')) {
  jobs.push(['container, CRC-32s intact', () => containerTally(false)]);
  jobs.push(['container, CRC-32s forged', () => containerTally(true)]);
}
if (wanted.includes('checkpoint')) {
  jobs.push(['checkpoint state, SHA-256 intact', () => checkpointTally(false)]);
  jobs.push(['checkpoint state, SHA-256 recomputed', () => checkpointTally(true)]);
}

const rows: string[] = [];
const notes: string[] = [];
for (const [name, job] of jobs) {
  const t0 = performance.now();
  const t = job();
  const seconds = (performance.now() - t0) / 1000;
  rows.push(row(name, t, seconds));
  notes.push(`${name}: slowest mutant ${t.slowest}`);
  for (const c of t.crashes) notes.push(`${name}: untyped crash: ${c}`);
  console.error(`${name}: ${fmt(n)} mutants in ${seconds.toFixed(1)} s`);
}
console.log(`mutants per row: ${fmt(n)}, seed ${seed}, node ${process.version}`);
console.log('');
console.log('| format | mutants | rejected, typed error (by code) | accepted identical | accepted different | '
  + 'untyped crashes | slowest mutant | time | peak RSS |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
console.log('');
for (const note of notes) console.log(`- ${note}`);
