/**
 * Bad data, weights and flags are refused, never turned into a result: each invocation below exits non-zero
 * with a typed error naming the flag / tensor / file, writes no output file, and leaves its inputs untouched.
 * The fixtures (a tiny MLP, tiny NPY data sets) are built here, in a temporary directory.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeNpy } from '../data/npy.js';
import type { Model } from '../ir/graph.js';
import { loadModel, saveModel } from '../onnx/index.js';
import { cli } from '../testing/run-cli.js';
import { buildZooModel } from '../zoo/index.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-refusals-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SHAPE = [1, 4, 4] as const;
const model = join(dir, 'mlp.onnx');
const nanModel = join(dir, 'nan.onnx');
const infModel = join(dir, 'inf.onnx');
const data = join(dir, 'data-ok');
const labels11 = join(dir, 'data-labels-to-11');
const nanData = join(dir, 'data-nan');
const emptyData = join(dir, 'data-empty');

/** A tiny NPY data set: `n` train and `n / 2` test samples of SHAPE; `label(i)` gives sample i's class. */
function npyData(path: string, n: number, label: (i: number) => number, poison?: number): void {
  mkdirSync(path);
  const size = SHAPE[0] * SHAPE[1] * SHAPE[2];
  const split = (count: number, name: string): void => {
    const x = Float32Array.from({ length: count * size }, (_, i) => Math.sin(i * 0.37));
    if (poison !== undefined && name === 'train' && count > 0) x[poison] = NaN;
    writeFileSync(join(path, `x_${name}.npy`), encodeNpy('f4', [count, ...SHAPE], x));
    const y = Int32Array.from({ length: count }, (_, i) => label(i));
    writeFileSync(join(path, `y_${name}.npy`), encodeNpy('i4', [count], y));
  };
  split(n, 'train');
  split(Math.floor(n / 2), 'test');
}

/** `source` with element `index` of its first weight matrix replaced by `value`. */
function poisoned(source: Model, value: number, index: number): Model {
  const copy = loadModel(model);
  const w = [...copy.graph.initializers.values()].find((v) => (v.initializer?.rank ?? 0) >= 2)?.initializer;
  assert.ok(w !== undefined && w.data instanceof Float32Array, `${source.graph.name} has a float weight matrix`);
  w.data[index] = value;
  return copy;
}

const digest = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
let inputs: Map<string, string>;

before(() => {
  const mlp = buildZooModel('lenet-300-100', { inputShape: SHAPE, width: 0.05 });
  saveModel(mlp, model);
  saveModel(poisoned(mlp, NaN, 7), nanModel);
  saveModel(poisoned(mlp, Infinity, 3), infModel);
  npyData(data, 24, (i) => i % 10);
  npyData(labels11, 24, (i) => i % 12);
  npyData(nanData, 24, (i) => i % 10, 21);
  npyData(emptyData, 0, () => 0);
  const dataFiles = [data, labels11, nanData, emptyData].flatMap((d) => readdirSync(d).map((f) => join(d, f)));
  const files = [model, nanModel, infModel, ...dataFiles];
  inputs = new Map(files.map((f) => [f, digest(f)]));
});

interface Refusal {
  readonly name: string;
  /** The command line, words separated by spaces; the fixture names (MODEL, DATA, OUT...) stand for paths. */
  readonly command: string;
  readonly code: string;
  /** What the message must name (the flag, tensor or file). */
  readonly names: readonly RegExp[];
}

function refusal(name: string, code: string, names: readonly RegExp[], command: string): Refusal {
  return { name, code, names, command };
}

/** The command line's words with the fixture names replaced by their paths, OUT by `out`. */
function argv(command: string, out: string): string[] {
  const paths: Readonly<Record<string, string>> = {
    MODEL: model, NAN_MODEL: nanModel, INF_MODEL: infModel, DATA: data, LABELS: labels11, NAN_DATA: nanData,
    EMPTY_DATA: emptyData, OUT: out,
  };
  return command.split(' ').map((w) => paths[w] ?? w);
}

const CASES: readonly Refusal[] = [
  refusal('labels beyond the model\'s 10 classes (train)', 'DATASET_INVALID', [/label 1[01]/, /10 outputs/],
    'train --model MODEL --data LABELS --epochs 1 --out OUT'),
  refusal('labels beyond the model\'s 10 classes (eval)', 'DATASET_INVALID', [/label 1[01]/, /mlp\.onnx/],
    'eval MODEL --data LABELS --latency-runs 0'),
  refusal('labels beyond the model\'s 10 classes (prune)', 'DATASET_INVALID', [/label 1[01]/],
    'prune MODEL --data LABELS --finetune-epochs 0 --out OUT'),
  refusal('--limit 0 (train)', 'INVALID_ARGUMENT', [/--limit must be an integer >= 1, got '0'/],
    'train --model MODEL --data DATA --limit 0 --out OUT'),
  refusal('--limit 0 (eval)', 'INVALID_ARGUMENT', [/--limit/],
    'eval MODEL --data DATA --limit 0'),
  refusal('an empty data set', 'DATASET_INVALID', [/data-empty \(train\) has no samples/],
    'eval MODEL --data EMPTY_DATA --latency-runs 0'),
  refusal('unknown --options key', 'INVALID_ARGUMENT', [/'sharpness'/, /valid: scope, normalize/],
    'prune MODEL --data DATA --options scope=layer,sharpness=3 --out OUT'),
  refusal('unknown --prune-options key', 'INVALID_ARGUMENT', [/'cycle'/, /cycles/],
    'deep-compress MODEL --data DATA --prune-options cycle=2 --out OUT'),
  refusal('negative --batch-size', 'INVALID_ARGUMENT', [/--batch-size must be an integer >= 1, got '-3'/],
    'inspect MODEL --batch-size=-3'),
  refusal('non-numeric --batch-size', 'INVALID_ARGUMENT', [/--batch-size/],
    'inspect MODEL --batch-size 0x10'),
  refusal('NaN weight (prune magnitude)', 'MODEL_INVALID', [/nan\.onnx/, /fc1\.weight/, /NaN at element 7/],
    'prune NAN_MODEL --method magnitude --data DATA --out OUT'),
  refusal('Inf weight (quantize kmeans)', 'MODEL_INVALID', [/inf\.onnx/, /Infinity at element 3/],
    'quantize INF_MODEL --method kmeans --data DATA --out OUT'),
  refusal('NaN weight (decompose)', 'MODEL_INVALID', [/fc1\.weight/],
    'decompose NAN_MODEL --method svd --rank 2 --latency-runs 0 --out OUT'),
  refusal('NaN weight (inspect)', 'MODEL_INVALID', [/fc1\.weight/],
    'inspect NAN_MODEL'),
  refusal('NaN sample value', 'DATASET_INVALID', [/x_train\.npy/, /sample 1 element 5 is NaN/],
    'eval MODEL --data NAN_DATA --latency-runs 0'),
  refusal('negative --latency-runs (prune l1)', 'INVALID_ARGUMENT', [/--latency-runs must be an integer >= 0/],
    'prune MODEL --method l1 --data DATA --latency-runs=-1 --out OUT'),
  refusal('--epochs 0', 'INVALID_ARGUMENT', [/--epochs must be an integer >= 1/],
    'train --model MODEL --data DATA --epochs 0 --out OUT'),
  refusal('fractional --epochs', 'INVALID_ARGUMENT', [/--epochs/],
    'train --model MODEL --data DATA --epochs 1.5 --out OUT'),
  refusal('NaN --lr', 'INVALID_ARGUMENT', [/--lr must be a number > 0, got 'NaN'/],
    'train --model MODEL --data DATA --lr NaN --out OUT'),
  refusal('--momentum 1', 'INVALID_ARGUMENT', [/--momentum/],
    'train --model MODEL --data DATA --momentum 1 --out OUT'),
  refusal('fractional --seed', 'INVALID_ARGUMENT', [/--seed must be an integer/],
    'train --model MODEL --data DATA --seed 0.5 --out OUT'),
  refusal('--batch-size 0 (train)', 'INVALID_ARGUMENT', [/--batch-size/],
    'train --model MODEL --data DATA --batch-size 0 --out OUT'),
  refusal('--target outside [0, 1)', 'INVALID_ARGUMENT', [/--target/],
    'prune MODEL --data DATA --target 1.5 --out OUT'),
  refusal('--sparsity outside [0, 1)', 'INVALID_ARGUMENT', [/--sparsity/],
    'deep-compress MODEL --data DATA --sparsity 1.2 --out OUT'),
  refusal('--conv-bits 0', 'INVALID_ARGUMENT', [/--conv-bits must be an integer >= 1 and <= 16/],
    'deep-compress MODEL --data DATA --conv-bits 0 --out OUT'),
  refusal('--bits 99 (quantize)', 'INVALID_ARGUMENT', [/bits/],
    'quantize MODEL --method fixed --bits 99 --data DATA --out OUT'),
  refusal('--energy 1.5', 'INVALID_ARGUMENT', [/--energy/],
    'decompose MODEL --method svd --energy 1.5 --out OUT'),
  refusal('--squeeze-ratio 1.5', 'INVALID_ARGUMENT', [/--squeeze-ratio/],
    'rewrite MODEL --to fire --squeeze-ratio 1.5 --out OUT'),
  refusal('--alpha 2', 'INVALID_ARGUMENT', [/--alpha must be a number >= 0 and <= 1/],
    'distill --teacher MODEL --student MODEL --alpha 2 --data DATA --out OUT'),
  refusal('--factor 0.5', 'INVALID_ARGUMENT', [/--factor/],
    'share MODEL --method hashed --factor 0.5 --data DATA --out OUT'),
  refusal('--samples 0', 'INVALID_ARGUMENT', [/--samples/],
    'sensitivity MODEL --data DATA --samples 0'),
  refusal('--runs 0 (xnor)', 'INVALID_ARGUMENT', [/--runs/],
    'xnor MODEL --runs 0'),
];

for (const [i, c] of CASES.entries()) {
  test(`refused: ${c.name}`, async () => {
    const out = join(dir, `out-${i}.onnx`);
    const r = await cli(...argv(c.command, out));
    assert.equal(r.code, 2, `exit code (stderr: ${r.err})`);
    assert.match(r.err, new RegExp(`error \\[${c.code}\\]`), r.err);
    for (const n of c.names) assert.match(r.err, n);
    assert.doesNotMatch(r.err, /internal error|\n\s+at /);
    assert.ok(!existsSync(out), `no output file ${out}`);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('out-') || f.endsWith('.tmp')), []);
  });
}

test('the inputs of every refused invocation are byte-identical afterwards', () => {
  for (const [file, hash] of inputs) assert.equal(digest(file), hash, file);
});

test('--latency-runs 0 skips the latency measurement of structured pruning and writes the model last', async () => {
  const out = join(dir, 'l1-pruned.onnx');
  const command = 'prune MODEL --method l1 --target 0.5 --finetune-epochs 0 --data DATA --latency-runs 0 --json '
    + '--out OUT';
  const r = await cli(...argv(command, out));
  assert.equal(r.code, 0, r.err);
  assert.deepEqual((JSON.parse(r.out) as { latency: unknown[] }).latency, []);
  assert.ok(existsSync(out));
  rmSync(out);
});
