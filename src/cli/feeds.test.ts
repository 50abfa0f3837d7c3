/**
 * Data as feeds for a model's inputs, end to end: a model with two inputs, a directory of `<input>.npy` files and
 * no labels; `quantize --method int8` calibrates on it and reports fidelity, `eval` summarises the outputs or
 * compares with a reference. Bad feeds are typed errors naming the directory and the input.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodeNpy } from '../data/npy.js';
import { GraphBuilder } from '../ir/builder.js';
import { Tensor } from '../ir/tensor.js';
import { saveModel } from '../onnx/index.js';
import { cli } from '../testing/run-cli.js';
import { Rng } from '../util/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-feeds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const N = 96;
const A = 12;
const B = 8;
const HIDDEN = 16;
const CLASSES = 5;

function random(rng: Rng, n: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => scale * rng.uniform(-1, 1));
}

/** logits = Gemm(Relu(Gemm(a, Wa) + Gemm(b, Wb)), W2): two inputs, class-score output. */
function twoInputModel(rng: Rng): string {
  const g = new GraphBuilder('two-inputs');
  const a = g.input('a', 'float32', ['N', A]);
  const b = g.input('b', 'float32', ['N', B]);
  const wa = g.initializer('wa', new Tensor('float32', [A, HIDDEN], random(rng, A * HIDDEN, 0.5)));
  const wb = g.initializer('wb', new Tensor('float32', [B, HIDDEN], random(rng, B * HIDDEN, 0.5)));
  const w2 = g.initializer('w2', new Tensor('float32', [HIDDEN, CLASSES], random(rng, HIDDEN * CLASSES, 0.5)));
  const h = g.op('Relu', [g.op('Add', [g.op('MatMul', [a, wa]), g.op('MatMul', [b, wb])])]);
  g.output(g.op('MatMul', [h, w2]), 'logits');
  const path = join(dir, 'two.onnx');
  saveModel(g.build(), path);
  return path;
}

function feedDir(name: string, files: Record<string, [number[], Float32Array]>): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const [input, [shape, values]] of Object.entries(files)) {
    writeFileSync(join(d, `${input}.npy`), encodeNpy('f4', shape, values));
  }
  return d;
}

const rng = new Rng(5);
const model = twoInputModel(rng);
const feeds = feedDir('feeds', { a: [[N, A], random(rng, N * A, 1)], b: [[N, B], random(rng, N * B, 1)] });

test('quantize --method int8 calibrates on the feeds of a two-input model and reports fidelity', async () => {
  const out = join(dir, 'two.int8.onnx');
  const r = await cli('quantize', model, '--method', 'int8', '--data', feeds, '--latency-runs', '0',
    '--out', out, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { fidelity: { count: number; outputs: Array<Record<string, number>> } };
  assert.equal(j.fidelity.count, N);
  const logits = j.fidelity.outputs[0] as Record<string, number>;
  assert.ok((logits['cosine'] as number) > 0.99, `cosine ${logits['cosine']}`);
  assert.ok((logits['sqnrDb'] as number) > 20, `SQNR ${logits['sqnrDb']} dB`);
  assert.ok((logits['top1Agreement'] as number) > 0.9, `agreement ${logits['top1Agreement']}`);
  assert.doesNotMatch(r.out, /top1Error/);
  assert.ok(existsSync(out));
  const text = await cli('eval', out, '--data', feeds, '--reference', model);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /logits: top-1 agreement [\d.]+ %, cosine 0\.9\d+, SQNR [\d.]+ dB/);
  assert.doesNotMatch(text.out, /error/);
});

test('eval on feeds without a reference summarises the outputs; with labels it reports the top-1 error', async () => {
  const plain = await cli('eval', model, '--data', feeds, '--latency-runs', '0');
  assert.equal(plain.code, 0, plain.err);
  assert.match(plain.out, /logits \[N, 5\]: mean -?[\d.e-]+, std [\d.e-]+/);
  assert.doesNotMatch(plain.out, /error/);
  const labelled = join(dir, 'labelled');
  mkdirSync(labelled);
  for (const f of ['a', 'b']) writeFileSync(join(labelled, `${f}.npy`), encodeNpy('f4', f === 'a' ? [N, A] : [N, B],
    random(rng, N * (f === 'a' ? A : B), 1)));
  writeFileSync(join(labelled, 'labels.npy'), encodeNpy('i8', [N], Array.from({ length: N }, (_, i) => i % CLASSES)));
  const r = await cli('eval', model, '--data', labelled, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { labelled: { top1Error: number } };
  assert.ok(j.labelled.top1Error > 0 && j.labelled.top1Error < 1);
});

test('feeds that miss an input, name an unknown one or have the wrong shape are typed errors', async () => {
  const cases: Array<[string, Record<string, [number[], Float32Array]>, RegExp]> = [
    ['missing', { a: [[N, A], random(rng, N * A, 1)] }, /no samples for input 'b'/],
    ['extra', { a: [[N, A], random(rng, N * A, 1)], b: [[N, B], random(rng, N * B, 1)], c: [[N, 1], random(rng, N, 1)] },
      /c name no input/],
    ['shape', { a: [[N, A + 1], random(rng, N * (A + 1), 1)], b: [[N, B], random(rng, N * B, 1)] },
      /input 'a' samples have shape \[13\]/],
  ];
  for (const [name, files, message] of cases) {
    const out = join(dir, `${name}.onnx`);
    const r = await cli('quantize', model, '--method', 'int8', '--data', feedDir(name, files),
      '--latency-runs', '0', '--out', out);
    assert.notEqual(r.code, 0, name);
    assert.match(r.err, /\[DATASET_INVALID\]/, `${name}: ${r.err}`);
    assert.match(r.err, message, `${name}: ${r.err}`);
    assert.equal(existsSync(out), false);
  }
});

test('prune (weight-only) and decompose on feeds report fidelity and no labelled error', async () => {
  const pruned = join(dir, 'two.pruned.onnx');
  const p = await cli('prune', model, '--method', 'magnitude', '--target', '0.5', '--data', feeds, '--out', pruned,
    '--json');
  assert.equal(p.code, 0, p.err);
  const pj = JSON.parse(p.out) as { stats: { sparsity: number }; fidelity: { outputs: Array<Record<string, number>> } };
  assert.ok(Math.abs(pj.stats.sparsity - 0.5) < 0.01);
  const pf = pj.fidelity.outputs[0] as Record<string, number>;
  assert.ok((pf['cosine'] as number) < 1 && (pf['cosine'] as number) > 0, `cosine ${pf['cosine']}`);
  assert.ok(Number.isFinite(pf['sqnrDb']));
  const needsData = await cli('prune', model, '--method', 'obd', '--target', '0.5', '--data', feeds, '--out', pruned);
  assert.notEqual(needsData.code, 0);
  assert.match(needsData.err, /\[INVALID_ARGUMENT\].*'obd' needs a labelled data set/);
  const decomposed = join(dir, 'two.svd.onnx');
  const d = await cli('decompose', model, '--method', 'svd', '--rank', '0.5', '--data', feeds, '--latency-runs', '0',
    '--out', decomposed);
  assert.equal(d.code, 0, d.err);
  assert.match(d.out, /logits: top-1 agreement [\d.]+ %, cosine 0\.\d+, SQNR -?[\d.]+ dB/);
  assert.doesNotMatch(d.out, /test error \d/);
});

test('eval --per-layer lists the SQNR of the values both models compute', async () => {
  const q = join(dir, 'two.layers.int8.onnx');
  const made = await cli('quantize', model, '--method', 'int8', '--data', feeds, '--latency-runs', '0', '--out', q);
  assert.equal(made.code, 0, made.err);
  assert.match(made.err, /feeds .*feeds: 96 samples of a \[N, 12\] float32, b \[N, 8\] float32, no labels, /);
  assert.match(made.err, /values as stored \(no scaling, no normalisation\)/);
  const r = await cli('eval', q, '--data', feeds, '--reference', model, '--per-layer', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { layers: Array<{ name: string; sqnrDb: number }> };
  assert.ok(j.layers.length >= 2, JSON.stringify(j.layers));
  for (const l of j.layers) assert.ok(l.sqnrDb > 10 && l.sqnrDb < 80, `${l.name}: SQNR ${l.sqnrDb} dB`);
  const text = await cli('eval', q, '--data', feeds, '--reference', model, '--per-layer');
  assert.match(text.out, /per layer \(values both models compute\):\n.*value +SQNR dB +cosine/);
});

/** stateN = 0.5 · state + x · W; y = stateN · V: an input 'x', a state input 'state' and its output 'stateN'. */
function recurrentModel(r: Rng): string {
  const g = new GraphBuilder('recurrent');
  const x = g.input('x', 'float32', [1, A]);
  const state = g.input('state', 'float32', [1, HIDDEN]);
  const w = g.initializer('w', new Tensor('float32', [A, HIDDEN], random(r, A * HIDDEN, 0.5)));
  const v = g.initializer('v', new Tensor('float32', [HIDDEN, CLASSES], random(r, HIDDEN * CLASSES, 0.5)));
  const next = g.op('Add', [g.op('Mul', [state, g.constant(0.5)]), g.op('MatMul', [x, w])]);
  g.output(g.op('MatMul', [next, v]), 'y');
  g.output(next, 'stateN');
  const path = join(dir, 'recurrent.onnx');
  saveModel(g.build(), path);
  return path;
}

test('a recurrent model: state fed back from its own output, calibrated and compared on sequences', async () => {
  const rec = recurrentModel(rng);
  const steps = feedDir('steps', { x: [[32, A], random(rng, 32 * A, 1)] });
  writeFileSync(join(steps, 'feeds.json'), JSON.stringify({ sequenceLength: 8 }));
  const out = join(dir, 'recurrent.int8.onnx');
  const q = await cli('quantize', rec, '--method', 'int8', '--data', steps, '--latency-runs', '0', '--out', out,
    '--json');
  assert.equal(q.code, 0, q.err);
  const j = JSON.parse(q.out) as { fidelity: { count: number; outputs: Array<Record<string, number | string>> } };
  assert.equal(j.fidelity.count, 32);
  const y = j.fidelity.outputs.find((o) => o['name'] === 'y') as Record<string, number>;
  assert.ok((y['cosine'] as number) > 0.99 && (y['sqnrDb'] as number) > 20, JSON.stringify(y));
  const same = await cli('eval', rec, '--data', steps, '--reference', rec, '--json');
  assert.equal(same.code, 0, same.err);
  assert.equal((JSON.parse(same.out) as { outputs: Array<{ sqnrDb: number | null }> }).outputs[0]?.sqnrDb, null,
    'identical models: SQNR ∞ (null in JSON)');
  writeFileSync(join(steps, 'feeds.json'), JSON.stringify({ state: [{ input: 'state', output: 'y' }] }));
  const bad = await cli('eval', rec, '--data', steps, '--latency-runs', '0');
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /\[DATASET_INVALID\].*steps: state pair y -> state: shapes \[1,5\] and \[1,16\] differ/);
});

test('a data set is not normalised behind the back: the preprocessing is printed', async () => {
  const g = new GraphBuilder('vec');
  const x = g.input('x', 'float32', ['N', 4]);
  g.output(g.op('MatMul', [x, g.initializer('w', new Tensor('float32', [4, 3], random(rng, 12, 1)))]), 'scores');
  const m = join(dir, 'vec.onnx');
  saveModel(g.build(), m);
  const set = join(dir, 'vecset');
  mkdirSync(set);
  for (const [split, n] of [['train', 6], ['test', 4]] as const) {
    writeFileSync(join(set, `x_${split}.npy`), encodeNpy('f4', [n, 4], random(rng, n * 4, 3)));
    writeFileSync(join(set, `y_${split}.npy`), encodeNpy('i8', [n], Array.from({ length: n }, (_, i) => i % 3)));
  }
  const r = await cli('eval', m, '--data', set, '--latency-runs', '0');
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /^data vecset: values as stored, no normalisation$/m);
});
