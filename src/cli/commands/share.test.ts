// `slimnet share`: hashed and circulant rewrites of a zoo LeNet-300-100 (no training, no latency, so it
// stays quick), the packed round trip through --unpack, and typed errors.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli } from '../../testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-share-'));
const quick = ['--epochs', '0', '--latency-runs', '0', '--threads', '1', '--test-limit', '200'];

test('share --method hashed writes ONNX and a packed file that --unpack turns back into the same ONNX', async () => {
  const [onnx, packed, back] = [join(dir, 'h.onnx'), join(dir, 'h.slhn'), join(dir, 'back.onnx')];
  const r = await cli('share', 'lenet-300-100', '--method', 'hashed', '--factor', '16', '--layer-factors', 'fc3=2', ...quick, '--out', onnx, '--packed', packed, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { report: { paramsBefore: number; paramsAfter: number; layers: Array<{ params: number }> }; bytes: { onnx: number; packed: number } };
  assert.equal(j.report.paramsBefore, 266_610);
  assert.deepEqual(j.report.layers.map((l) => l.params), [14_700, 1_875, 500]);
  assert.equal(j.report.paramsAfter, 14_700 + 1_875 + 500 + 300 + 100 + 10);
  assert.ok(j.bytes.packed < j.bytes.onnx);
  const u = await cli('share', '--unpack', packed, '--out', back);
  assert.equal(u.code, 0, u.err);
  assert.deepEqual(readFileSync(back), readFileSync(onnx));
});

test('share --method circulant keeps excluded layers dense and prints the layer table', async () => {
  const r = await cli('share', 'lenet-300-100', '--method', 'circulant', '--exclude', 'fc3', ...quick, '--out', join(dir, 'c.onnx'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /fc1\s+784 → 300\s+235,200\s+1,024\s+229\.7x\s+d = 1024, fft/);
  assert.match(r.out, /fc2\s+300 → 100\s+30,000\s+512/);
  assert.doesNotMatch(r.out, /fc3/);
  assert.match(r.out, /parameters 266,610 -> 2,946/);
  assert.match(r.out, /test error \d+\.\d\d % -> \d+\.\d\d %/);
  assert.doesNotMatch(r.out, /test error (0\.00|100\.00) %/);
});

test('share: unknown method, --packed with circulant, bad --mode are usage errors', async () => {
  const out = ['--out', join(dir, 'x.onnx')];
  const a = await cli('share', 'lenet-300-100', '--method', 'tt', ...quick, ...out);
  assert.equal(a.code, 2);
  assert.match(a.err, /unknown weight-sharing method 'tt' \(registered: hashed, circulant\)/);
  const b = await cli('share', 'lenet-300-100', '--method', 'circulant', '--packed', join(dir, 'x.slhn'), ...quick, ...out);
  assert.match(b.err, /--packed applies to --method hashed/);
  const c = await cli('share', 'lenet-300-100', '--method', 'circulant', '--mode', 'fast', ...quick, ...out);
  assert.match(c.err, /option 'mode' must be one of fft, dense, got 'fast'/);
  const d = await cli('share', 'lenet-300-100', '--method', 'hashed', '--layer-factors', 'fc9=2', ...quick, ...out);
  assert.match(d.err, /factors names 'fc9', which is not a selected fully-connected layer/);
});
