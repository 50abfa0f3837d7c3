/** `slimnet rewrite` end to end: output file, report, JSON, help, typed errors, atomic output, input protection. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { saveModel } from '../../onnx/index.js';
import { buildZooModel } from '../../zoo/index.js';
import { cli } from '../../testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-rewrite-'));

interface Report {
  to: string;
  report: { changes: Array<{ layers: string[]; macsBefore: number; macsAfter: number }>; before: { macs: number; params: number }; after: { macs: number; params: number } };
}

test('rewrite writes a smaller model that inspect and eval accept, and reports per-layer MACs', async () => {
  const out = join(dir, 'lenet5-dw.onnx');
  const r = await cli('rewrite', 'lenet5', '--to', 'depthwise', '--out', out, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as Report;
  assert.equal(j.to, 'depthwise');
  assert.deepEqual(j.report.changes.map((c) => c.layers), [['conv2']]);
  // conv2: 50·20·25 MACs per pixel of 8x8 before; dw 20·25 + pw 50·20 after.
  assert.equal(j.report.changes[0]?.macsBefore, 50 * 20 * 25 * 64);
  assert.equal(j.report.changes[0]?.macsAfter, (20 * 25 + 50 * 20) * 64);
  const inspect = JSON.parse((await cli('inspect', out, '--json')).out) as { macs: number; params: number };
  assert.deepEqual({ macs: inspect.macs, params: inspect.params }, j.report.after);
  const ev = await cli('eval', out, '--data', 'mnist', '--limit', '20', '--latency-runs', '0', '--json');
  assert.equal(ev.code, 0, ev.err);
  const table = await cli('rewrite', 'vgg', '--zoo-width', '0.25', '--to', 'width', '--width-mult', '0.5', '--out', join(dir, 'vgg-half.onnx'));
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /features\.1\.1\.conv\s+weight \[8,1,3,3\] => \[4,1,3,3\]/);
  assert.match(table.out, /MACs 1\.86 M -> \d+\.\d+ k \(\d\.\d\dx fewer\) per sample/);
  assert.match(table.out, /saved .*vgg-half\.onnx/);
});

test('rewrite --help lists every rewrite; usage and option errors are typed', async () => {
  const help = await cli('rewrite', '--help');
  assert.equal(help.code, 0);
  for (const name of ['depthwise', 'fire', 'shuffle', 'factorize', '5x5-to-3x3', 'gap', 'width', 'resolution']) assert.match(help.out, new RegExp(`\\n  ${name}: `));
  const cases: Array<[string[], RegExp]> = [
    [['rewrite', 'lenet5', '--out', join(dir, 'a.onnx')], /\[INVALID_ARGUMENT\].*--to is required/],
    [['rewrite', 'lenet5', '--to', 'squash', '--out', join(dir, 'a.onnx')], /unknown compact rewrite method 'squash'/],
    [['rewrite', 'lenet5', '--to', 'width', '--out', join(dir, 'a.onnx')], /needs --width-mult/],
    [['rewrite', 'lenet5', '--to', 'depthwise', '--groups', '2', '--out', join(dir, 'a.onnx')], /--groups is an option of shuffle, not of --to depthwise/],
    [['rewrite', 'lenet5', '--to', 'depthwise', '--layers', 'conv1', '--out', join(dir, 'a.onnx')], /'conv1' cannot be rewritten/],
    [['rewrite', 'lenet5', '--to', 'resolution', '--size', 'big', '--out', join(dir, 'a.onnx')], /--size expects H or HxW/],
    [['rewrite', 'lenet5', '--to', 'gap'], /--out PATH is required/],
  ];
  for (const [argv, re] of cases) {
    const r = await cli(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, re, argv.join(' '));
  }
  assert.ok(!existsSync(join(dir, 'a.onnx')));
});

test('rewrite never overwrites its input and leaves no partial file behind', async () => {
  const input = join(dir, 'input.onnx');
  saveModel(buildZooModel('lenet5'), input);
  const before = readFileSync(input);
  const same = await cli('rewrite', input, '--to', 'gap', '--out', input);
  assert.equal(same.code, 2);
  assert.match(same.err, /\[IO\].*refusing to overwrite/);
  assert.deepEqual(readFileSync(input), before);
  const blocker = join(dir, 'blocker');
  writeFileSync(blocker, 'x');
  const bad = await cli('rewrite', input, '--to', 'gap', '--out', join(blocker, 'out.onnx'));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /\[IO\]/);
  const ok = await cli('rewrite', input, '--to', '5x5-to-3x3', '--layers', 'conv2', '--out', join(dir, 'l5-33.onnx'));
  assert.equal(ok.code, 0, ok.err);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});
