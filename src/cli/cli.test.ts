/** End-to-end CLI behaviour: outputs, exit codes and typed error messages (no console output). */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { GraphBuilder } from '../ir/builder.js';
import { encodeModel, saveModel } from '../onnx/index.js';
import { buildZooModel } from '../zoo/index.js';
import { cli } from '../testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('inspect reports the hand-counted LeNet-5 parameters and MACs', async () => {
  // conv1 20·1·5·5+20, conv2 50·20·5·5+50, fc 800·500+500, fc 500·10+10
  const params = 20 * 25 + 20 + 50 * 20 * 25 + 50 + 800 * 500 + 500 + 500 * 10 + 10;
  const macs = 20 * 1 * 25 * 24 * 24 + 50 * 20 * 25 * 8 * 8 + 800 * 500 + 500 * 10;
  const path = join(dir, 'lenet5.onnx');
  saveModel(buildZooModel('lenet5'), path);
  const r = await cli('inspect', path, '--json');
  assert.equal(r.code, 0, r.err);
  const stats = JSON.parse(r.out) as { params: number; macs: number };
  assert.equal(stats.params, 431_080);
  assert.equal(stats.params, params);
  assert.equal(stats.macs, macs);
  assert.equal(macs, 2_293_000);
  const table = await cli('inspect', path);
  assert.match(table.out, /parameters\s+431,080/);
  assert.match(table.out, /MACs\s+2\.29 M/);
});

test('a truncated or non-ONNX file is a clear ONNX_DECODE error naming the file', async () => {
  const good = encodeModel(buildZooModel('lenet-300-100'));
  const truncated = join(dir, 'truncated.onnx');
  writeFileSync(truncated, good.subarray(0, Math.floor(good.length / 2)));
  const r = await cli('inspect', truncated);
  assert.equal(r.code, 2);
  assert.match(r.err, /ONNX_DECODE/);
  assert.ok(r.err.includes(truncated));
  const text = join(dir, 'notes.onnx');
  writeFileSync(text, '{"this": "is json"}');
  assert.match((await cli('eval', text)).err, /ONNX_DECODE.*notes\.onnx/);
});

test('an unknown op names the op and the node', async () => {
  const b = new GraphBuilder('odd');
  const x = b.input('input', 'float32', ['N', 1, 28, 28]);
  b.output(b.op('Flatten', [b.op('FrobnicateChannels', [x], {}, { name: 'mystery_node' })]), 'logits');
  const path = join(dir, 'unknown-op.onnx');
  saveModel(b.build(), path);
  const r = await cli('eval', path, '--data', 'mnist', '--limit', '10', '--latency-runs', '0');
  assert.equal(r.code, 2);
  assert.match(r.err, /UNSUPPORTED_OP/);
  assert.match(r.err, /FrobnicateChannels/);
  assert.match(r.err, /mystery_node/);
});

test('an input shape that does not match the data is a SHAPE_MISMATCH naming the input', async () => {
  const path = join(dir, 'rgb.onnx');
  saveModel(buildZooModel('lenet5', { inputShape: [3, 32, 32] }), path);
  const r = await cli('eval', path, '--data', 'mnist', '--limit', '10', '--latency-runs', '0');
  assert.equal(r.code, 2);
  assert.match(r.err, /SHAPE_MISMATCH/);
  assert.match(r.err, /input/);
});

test('a missing data set is DATASET_MISSING naming the path', async () => {
  const r = await cli('eval', 'lenet5', '--data', join(dir, 'no-such-data'), '--latency-runs', '0');
  assert.equal(r.code, 2);
  assert.match(r.err, /DATASET_MISSING/);
  assert.match(r.err, /no-such-data/);
});

test('an unwritable output fails with IO, leaves no file, and the input is never overwritten', async () => {
  const blocker = join(dir, 'a-file');
  writeFileSync(blocker, 'x');
  const bad = await cli('train', '--model', 'lenet-300-100', '--epochs', '1', '--limit', '64', '--out', join(blocker, 'model.onnx'));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /\[IO\]/);
  assert.ok(!existsSync(join(blocker, 'model.onnx')));
  const input = join(dir, 'input.onnx');
  saveModel(buildZooModel('lenet-300-100'), input);
  const before = readFileSync(input);
  const same = await cli('train', '--model', input, '--epochs', '1', '--limit', '64', '--out', input);
  assert.equal(same.code, 2);
  assert.match(same.err, /refusing to overwrite/);
  assert.deepEqual(readFileSync(input), before);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('usage errors: unknown command, unknown option, missing argument; --help works', async () => {
  assert.equal((await cli('frobnicate')).code, 2);
  const badOpt = await cli('inspect', 'lenet5', '--no-such-option');
  assert.equal(badOpt.code, 2);
  assert.match(badOpt.err, /INVALID_ARGUMENT/);
  assert.match((await cli('eval')).err, /missing a model/);
  const help = await cli('train', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /--epochs N/);
});

test('eval prints top-1/top-5 error and latency as JSON', async () => {
  const r = await cli('eval', 'lenet-300-100', '--data', 'mnist', '--limit', '200', '--latency-runs', '5', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { samples: number; top1Error: number; top5Error: number; latency: Array<{ batchSize: number; medianMs: number }> };
  assert.equal(j.samples, 200);
  assert.ok(j.top1Error > 0.5, 'an untrained model should be mostly wrong');
  assert.ok(j.top5Error <= j.top1Error);
  assert.deepEqual(j.latency.map((l) => l.batchSize), [1, 64]);
  assert.ok(j.latency.every((l) => l.medianMs > 0));
});

test('prune: unstructured magnitude writes exact zeros; structured l1 removes channels and MACs', async () => {
  const unstructured = join(dir, 'pruned-u.onnx');
  const u = await cli('prune', 'lenet-300-100', '--method', 'magnitude', '--target', '0.9', '--finetune-epochs', '1', '--limit', '256', '--out', unstructured, '--json');
  assert.equal(u.code, 0, u.err);
  const us = JSON.parse(u.out) as { stats: { sparsity: number; ratio: number } };
  assert.ok(Math.abs(us.stats.sparsity - 0.9) < 0.01, `sparsity ${us.stats.sparsity}`);
  const ui = JSON.parse((await cli('inspect', unstructured, '--json')).out) as { params: number; nonzeroParams: number };
  assert.ok(ui.nonzeroParams < 0.12 * ui.params);
  const structured = join(dir, 'pruned-s.onnx');
  const s = await cli('prune', 'lenet5', '--method', 'l1', '--target', '0.5', '--finetune-epochs', '0', '--limit', '256', '--latency-runs', '3', '--out', structured, '--json');
  assert.equal(s.code, 0, s.err);
  const ss = JSON.parse(s.out) as { before: { macs: number }; after: { macs: number } };
  assert.ok(ss.after.macs <= 0.5 * ss.before.macs * 1.02, `MACs ${ss.before.macs} -> ${ss.after.macs}`);
  const si = JSON.parse((await cli('inspect', structured, '--json')).out) as { macs: number };
  assert.equal(si.macs, ss.after.macs);
});
