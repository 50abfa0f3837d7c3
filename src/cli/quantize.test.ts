/** End-to-end CLI behaviour of quantize, deep-compress, pack and unpack (no console output). */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { unpack } from '../compress/coding/container.js';
import { magnitudePrune } from '../compress/pruning/unstructured/magnitude.js';
import { kmeansShare } from '../compress/quantization/kmeans/share.js';
import { loadModel, saveModel } from '../onnx/index.js';
import { buildZooModel } from '../zoo/index.js';
import { cli } from '../testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-quant-cli-'));
const quick = ['--limit', '256', '--latency-runs', '2', '--threads', '1'];

interface Measured {
  measurement: { error: { before: number; after: number; samples: number }; size: { before: number; after: number; packed?: number; ratio: number }; latency: Array<{ batchSize: number; speedup: number }> };
}

test('quantize --method int8 writes a QOperator model and reports error, size, ratio and latency', async () => {
  const out = join(dir, 'int8.onnx');
  const r = await cli('quantize', 'lenet5', '--method', 'int8', '--calibration', 'minmax', '--calibration-batches', '2',
    '--reduce-range', 'on', ...quick, '--out', out, '--json');
  assert.equal(r.code, 0, r.err);
  type Int8Report = { fusion: { fused: boolean }; weights: { bits: number; reason: string } };
  const j = JSON.parse(r.out) as Measured & { options: Record<string, unknown>; report: Int8Report };
  assert.equal(j.options['calibration'], 'minmax');
  assert.equal(j.options['reduceRange'], 'on');
  assert.equal(j.report.weights.bits, 7);
  assert.match(j.report.weights.reason, /7-bit weights .*reduce-range on: u8×s8 kernels/);
  assert.equal(j.report.fusion.fused, true);
  assert.equal(j.measurement.error.samples, 256);
  assert.ok(j.measurement.size.ratio > 3.5, `ratio ${j.measurement.size.ratio}`);
  assert.deepEqual(j.measurement.latency.map((l) => l.batchSize), [1, 64]);
  assert.ok(loadModel(out).graph.nodes.some((n) => n.opType === 'QLinearConv'));
});

test('quantize --method kmeans --packed writes a container that unpacks to the written ONNX model', async () => {
  const out = join(dir, 'km.onnx');
  const packed = join(dir, 'km.sldc');
  const r = await cli('quantize', 'lenet-300-100', '--method', 'kmeans', '--bits', '3', '--finetune-epochs', '1', ...quick, '--out', out, '--packed', packed, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as Measured;
  assert.equal(j.measurement.size.packed, readFileSync(packed).length);
  const a = loadModel(out);
  const b = unpack(readFileSync(packed));
  for (const [name, v] of a.graph.initializers) assert.deepEqual(b.graph.initializers.get(name)!.initializer!.data, v.initializer!.data, name);
  assert.ok(new Set(a.graph.initializers.get('fc1.weight')!.initializer!.data as Float32Array).size <= 8);
});

test('quantize --method fixed: weights on the grid, activations fake-quantized; --packed refused where there is none', async () => {
  const r = await cli('quantize', 'lenet-300-100', '--method', 'fixed', '--weight-bits', '4', '--activation-bits', '8', ...quick, '--out', join(dir, 'fx.onnx'));
  assert.equal(r.code, 0, r.err);
  for (const re of [/frac bits/, /test error .* -> /, /size .*x smaller/, /latency b=1 /, /latency b=64/]) assert.match(r.out, re);
  const m = loadModel(join(dir, 'fx.onnx'));
  assert.ok(new Set(m.graph.initializers.get('fc1.weight')!.initializer!.data as Float32Array).size <= 16);
  assert.ok(m.graph.nodes.some((n) => n.opType === 'Round'));
  const none = await cli('quantize', 'lenet-300-100', '--method', 'fixed', '--weight-bits', '16', '--activation-bits', '0', ...quick, '--out', join(dir, 'fx16.onnx'), '--packed', join(dir, 'fx16.sldc'));
  assert.equal(none.code, 2);
  assert.match(none.err, /no packed form/);
  assert.ok(!existsSync(join(dir, 'fx16.sldc')));
});

test('quantize usage errors are typed and name the option; nothing is written', async () => {
  const out = join(dir, 'never.onnx');
  const wrong = await cli('quantize', 'lenet5', '--method', 'kmeans', '--qat-epochs', '2', '--out', out);
  assert.equal(wrong.code, 2);
  assert.match(wrong.err, /INVALID_ARGUMENT.*--qat-epochs is an option of int8, not of --method kmeans/);
  const unknown = await cli('quantize', 'lenet5', '--method', 'ternary', '--out', out);
  assert.match(unknown.err, /unknown quantization method 'ternary'/);
  const choice = await cli('quantize', 'lenet5', '--method', 'int8', '--calibration', 'magic', '--out', out);
  assert.match(choice.err, /'calibration' must be one of minmax, percentile, entropy/);
  assert.match((await cli('quantize', 'lenet5', '--method', 'int8')).err, /--out PATH is required/);
  assert.match((await cli('quantize', 'lenet5', '--out', out)).err, /--method is required/);
  assert.ok(!existsSync(out));
  const help = await cli('quantize', '--help');
  assert.equal(help.code, 0);
  for (const re of [/--qat-epochs N/, /--learn-scales/, /--weight-bits B/, /kmeans: k-means weight sharing/]) assert.match(help.out, re);
});

test('quantize --method xnor (binary family): Sign activations, ±1 weights, packed size in the summary', async () => {
  const out = join(dir, 'xnor.onnx');
  const r = await cli('quantize', 'lenet5', '--method', 'xnor', '--epochs', '1', '--schedule', 'cosine', ...quick, '--out', out, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as Measured & { options: Record<string, unknown>; report: { weightBits: number; activationBits: number; size: { ratio: number } } };
  assert.deepEqual([j.report.weightBits, j.report.activationBits, j.options['epochs']], [1, 1, 1]);
  assert.ok(j.report.size.ratio > 10, `packed ratio ${j.report.size.ratio}`);
  assert.equal(j.measurement.error.samples, 256);
  const m = loadModel(out);
  assert.ok(m.graph.nodes.some((n) => n.opType === 'Sign'));
  assert.deepEqual([...new Set(m.graph.initializers.get('fc1.weight')!.initializer!.toFloat32())].sort(), [-1, 1]);
  const wrong = await cli('quantize', 'lenet5', '--method', 'bwn', '--stochastic', '--out', join(dir, 'never-bwn.onnx'));
  assert.equal(wrong.code, 2);
  assert.match(wrong.err, /--stochastic is an option of bc, not of --method bwn/);
  const help = await cli('quantize', '--help');
  for (const re of [/bwn: sign\(w\)/, /--no-activation-scale/, /--gradient-bits K/, /--activation-bits B .*\[fixed, dorefa, hwgq\]/, /hashed: HashedNets/, /--init linear\|density\|random\|project centroid initialisation \[kmeans\]; start from/]) assert.match(help.out, re);
});

test('quantize --method hashed --packed writes the HashedNets packed form (slimnet share --unpack reads it)', async () => {
  const [out, packed, back] = [join(dir, 'h.onnx'), join(dir, 'h.slhn'), join(dir, 'h-back.onnx')];
  const r = await cli('quantize', 'lenet-300-100', '--method', 'hashed', '--factor', '32', '--epochs', '0', ...quick, '--out', out, '--packed', packed, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as Measured & { report: { ratio: number } };
  assert.ok(j.report.ratio > 20, `ratio ${j.report.ratio}`);
  assert.equal(j.measurement.size.packed, readFileSync(packed).length);
  assert.equal((await cli('share', '--unpack', packed, '--out', back)).code, 0);
  const [a, b] = [loadModel(out), loadModel(back)];
  for (const [name, v] of a.graph.initializers) assert.deepEqual(b.graph.initializers.get(name)!.initializer!.data, v.initializer!.data, name);
});

test('pack / unpack: bit-exact round trip through the CLI; a damaged container is CONTAINER_CORRUPT naming the file', async () => {
  const model = kmeansShare(magnitudePrune(buildZooModel('lenet-300-100', { seed: 2 }), { sparsity: 0.9 }).model, { bits: 4 }).model;
  const src = join(dir, 'shared.onnx');
  saveModel(model, src);
  const sldc = join(dir, 'shared.sldc');
  const p = await cli('pack', src, '--out', sldc, '--data', 'mnist', '--limit', '128', '--latency-runs', '2', '--json');
  assert.equal(p.code, 0, p.err);
  const pj = JSON.parse(p.out) as Measured & { bitExact: boolean; pack: { ratio: number } };
  assert.equal(pj.bitExact, true);
  assert.ok(pj.pack.ratio > 20, `ratio ${pj.pack.ratio}`);
  assert.equal(pj.measurement.error.before, pj.measurement.error.after);
  const back = join(dir, 'back.onnx');
  const u = await cli('unpack', sldc, '--out', back, '--data', 'none', '--latency-runs', '0');
  assert.equal(u.code, 0, u.err);
  const a = loadModel(src);
  const b = loadModel(back);
  for (const [name, v] of a.graph.initializers) assert.deepEqual(b.graph.initializers.get(name)!.initializer!.data, v.initializer!.data, name);
  const bad = join(dir, 'bad.sldc');
  const bytes = readFileSync(sldc);
  writeFileSync(bad, bytes.subarray(0, bytes.length - 7));
  const ub = await cli('unpack', bad, '--out', join(dir, 'bad.onnx'), '--data', 'none');
  assert.equal(ub.code, 2);
  assert.match(ub.err, /CONTAINER_CORRUPT/);
  assert.ok(ub.err.includes(bad));
  assert.ok(!existsSync(join(dir, 'bad.onnx')));
  assert.match((await cli('pack', src, '--out', src)).err, /refusing to overwrite/);
});

test('deep-compress trains a zoo model first, prunes, shares, fine-tunes, packs and reports each stage', async () => {
  const out = join(dir, 'dc.sldc');
  const onnx = join(dir, 'dc.onnx');
  const r = await cli('deep-compress', 'lenet-300-100', '--train-epochs', '1', '--sparsity', '0.9', '--retrain-epochs', '1', '--finetune-epochs', '1', ...quick, '--out', out, '--onnx-out', onnx, '--model-out', join(dir, 'dc-input.onnx'), '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as Measured & { errors: Record<string, number>; ratio: number; sparsity: { sparsity: number } };
  assert.deepEqual(Object.keys(j.errors), ['input', 'prunedRetrained', 'shared', 'final']);
  assert.ok(Math.abs(j.sparsity.sparsity - 0.9) < 0.01);
  assert.ok(j.ratio > 10, `ratio ${j.ratio}`);
  assert.equal(j.measurement.size.packed, readFileSync(out).length);
  const a = loadModel(onnx);
  const b = unpack(readFileSync(out));
  for (const [name, v] of a.graph.initializers) assert.deepEqual(b.graph.initializers.get(name)!.initializer!.data, v.initializer!.data, name);
  const human = await cli('deep-compress', join(dir, 'dc-input.onnx'), '--retrain-epochs', '0', '--finetune-epochs', '0', ...quick, '--out', join(dir, 'dc2.sldc'));
  assert.equal(human.code, 0, human.err);
  for (const re of [/pruned \+ retrained/, /w bits\(P\+Q\)/, /idx bits\(\+H\)/, /x smaller/, /latency b=64/]) assert.match(human.out, re);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});
