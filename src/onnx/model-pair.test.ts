/** saveModel's model + data pair: content-named data files, replaced as one, old ones cleaned up safely. */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { GraphBuilder } from '../ir/builder.js';
import { isSlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { isContentDataName } from './data-files.js';
import { loadModel, saveModel } from './io.js';

const EXT = { externalData: { threshold: 1024 } } as const;

/** w1 and w2 go to the data file, b1 (128 bytes) stays inline; every weight equals `k`. */
function versionModel(k: number): Model {
  const b = new GraphBuilder('pair');
  const x = b.input('x', 'float32', ['N', 64]);
  const w1 = b.initializer('w1', Tensor.f32([32, 64], new Array<number>(2048).fill(k)));
  const b1 = b.initializer('b1', Tensor.f32([32], new Array<number>(32).fill(k)));
  const w2 = b.initializer('w2', Tensor.f32([10, 32], new Array<number>(320).fill(k)));
  b.output(b.op('Gemm', [b.op('Gemm', [x, w1, b1], { transB: 1 }), w2], { transB: 1 }), 'y');
  return b.build(17);
}

function weightOf(m: Model, name: string): number | undefined {
  const d = m.graph.initializers.get(name)?.initializer?.data;
  return d instanceof Float32Array ? d[0] : undefined;
}

function dataFiles(dir: string, model = 'out.onnx'): string[] {
  return readdirSync(dir).filter((n) => isContentDataName(model, n)).sort();
}

function withDir(fn: (dir: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slimnet-pair-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('the data file is named by its content; a new version replaces it and removes the old one', withDir((dir) => {
  const out = join(dir, 'out.onnx');
  saveModel(versionModel(1), out, EXT);
  const [v1] = dataFiles(dir);
  assert.ok(v1 !== undefined && /^out\.onnx\.[0-9a-f]{16}\.data$/.test(v1), String(v1));
  assert.equal(weightOf(loadModel(out), 'w1'), 1);

  saveModel(versionModel(2), out, EXT);
  const [v2, ...rest] = dataFiles(dir);
  assert.deepEqual(rest, []);
  assert.notEqual(v2, v1, 'different weights, different name');
  assert.equal(weightOf(loadModel(out), 'w2'), 2);

  // The same weights again: same name, and the file is kept as it is (not rewritten).
  const ino = statSync(join(dir, v2 ?? '')).ino;
  saveModel(versionModel(2), out, EXT);
  assert.deepEqual(dataFiles(dir), [v2]);
  assert.equal(statSync(join(dir, v2 ?? '')).ino, ino);

  // Going inline removes the data file the replaced model used.
  saveModel(versionModel(3), out, { externalData: false });
  assert.deepEqual(dataFiles(dir), []);
  assert.deepEqual(readdirSync(dir), ['out.onnx']);
}));

test('an explicit location is written as given and leaves other content-named files alone', withDir((dir) => {
  const out = join(dir, 'out.onnx');
  saveModel(versionModel(1), join(dir, 'keep.onnx'), EXT);
  saveModel(versionModel(4), out, { externalData: { threshold: 1024, location: 'weights.bin' } });
  assert.deepEqual(readdirSync(dir).filter((n) => !n.startsWith('keep.onnx')).sort(), ['out.onnx', 'weights.bin']);
  assert.equal(weightOf(loadModel(out), 'w1'), 4);
  assert.equal(dataFiles(dir, 'keep.onnx').length, 1);
}));

test('data files an input model reads are never removed or replaced, even under our naming pattern', withDir((dir) => {
  const out = join(dir, 'out.onnx');
  saveModel(versionModel(5), out, EXT);
  // A copy of the model (e.g. `cp out.onnx copy.onnx`) points at out.onnx's data file.
  const copy = join(dir, 'copy.onnx');
  copyFileSync(out, copy);
  const input = loadModel(copy);
  const shared = dataFiles(dir);
  saveModel(versionModel(6), out, { ...EXT, protect: [copy] });
  assert.deepEqual(dataFiles(dir).filter((n) => shared.includes(n)), shared, 'the input still finds its data');
  assert.equal(weightOf(loadModel(copy), 'w1'), 5);
  assert.equal(weightOf(loadModel(out), 'w1'), 6);
  assert.equal(weightOf(input, 'w1'), 5);
}));

interface ReaderReport {
  readonly ok: number;
  readonly mixed: string[];
  readonly failed: string[];
}

const READER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { loadModel } = await import(workerData.io);
  const stop = new Int32Array(workerData.stop);
  const report = { ok: 0, mixed: [], failed: [] };
  while (Atomics.load(stop, 0) === 0) {
    try {
      const m = loadModel(workerData.path);
      const seen = ['w1', 'b1', 'w2'].map((n) => Array.from(new Set(m.graph.initializers.get(n).initializer.data)));
      if (seen.every((s) => s.length === 1 && s[0] === seen[0][0])) report.ok++;
      else report.mixed.push(JSON.stringify(seen));
    } catch (e) {
      report.failed.push(String(e && e.message));
    }
  }
  parentPort.postMessage(report);
})();
`;

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

test('a reader loading while versions are written always sees a complete, matching pair', withDir(async (dir) => {
  const out = join(dir, 'out.onnx');
  saveModel(versionModel(0), out, EXT);
  const stop = new SharedArrayBuffer(4);
  const io = new URL('./io.js', import.meta.url).href;
  const worker = new Worker(READER, { eval: true, workerData: { io, path: out, stop } });
  const report = new Promise<ReaderReport>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await new Promise((r) => setTimeout(r, 200));
  for (let k = 1; k <= 80; k++) {
    saveModel(versionModel(k), out, EXT);
    sleepMs(4);
  }
  Atomics.store(new Int32Array(stop), 0, 1);
  const r = await report;
  await worker.terminate();
  assert.deepEqual(r.mixed, [], 'no model with another version\'s data');
  assert.deepEqual(r.failed, [], 'every load succeeds');
  assert.ok(r.ok > 10, `only ${r.ok} loads`);
  assert.deepEqual(dataFiles(dir).length, 1);
  assert.equal(weightOf(loadModel(out), 'w1'), 80);
}));

test('an explicit location that a symlinked directory leads outside the model directory is refused', withDir((dir) => {
  mkdirSync(join(dir, 'model'));
  mkdirSync(join(dir, 'elsewhere'));
  symlinkSync(join(dir, 'elsewhere'), join(dir, 'model', 'ext'));
  const out = join(dir, 'model', 'out.onnx');
  assert.throws(
    () => saveModel(versionModel(7), out, { externalData: { threshold: 1024, location: 'ext/w.bin' } }),
    (e: unknown) => isSlimnetError(e, 'INVALID_ARGUMENT') && /'ext\/w\.bin' lies outside the model's dir/.test(e.message),
  );
  assert.deepEqual(readdirSync(join(dir, 'elsewhere')), []);
  assert.deepEqual(readdirSync(join(dir, 'model')), ['ext']);
}));
