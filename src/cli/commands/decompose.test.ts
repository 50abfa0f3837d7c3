/** End-to-end `slimnet decompose`: the written model, the JSON and table reports, and typed errors. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LowRankErrors } from '../../compress/lowrank/pipeline.js';
import type { DecomposeReport } from '../../compress/lowrank/types.js';
import { loadModel, saveModel } from '../../onnx/index.js';
import { modelStats } from '../../metrics/layer-stats.js';
import type { LatencyComparison } from '../../runtime/latency.js';
import { buildZooModel } from '../../zoo/index.js';
import { cli } from '../../testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-decompose-'));
const input = join(dir, 'lenet5.onnx');
saveModel(buildZooModel('lenet5', { seed: 2 }), input);

interface Summary {
  readonly out: string;
  readonly report: DecomposeReport;
  readonly errors: LowRankErrors | null;
  readonly refit: { readonly layers: ReadonlyArray<{ name: string; before: number; after: number }> } | null;
  readonly latency: { readonly whole: readonly LatencyComparison[]; readonly layers: ReadonlyArray<{ name: string }> } | null;
}

test('decompose → fine-tune → JSON report: factored layers, errors, latency, and a loadable smaller model', async () => {
  const out = join(dir, 'tucker.onnx');
  const r = await cli('decompose', input, '--method', 'tucker2', '--energy', '0.7', '--data', 'mnist', '--limit', '128', '--eval-limit', '200',
    '--refit', '64', '--finetune-epochs', '1', '--threads', '1', '--latency-runs', '3', '--batch-sizes', '1,4', '--out', out, '--json');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out) as Summary;
  assert.equal(s.out, out);
  assert.deepEqual(s.report.layers.filter((l) => l.status === 'decomposed').map((l) => l.name), ['conv1', 'conv2']);
  assert.ok(s.report.after.macs < s.report.before.macs);
  assert.ok(s.errors !== null && s.errors.samples === 200 && s.errors.finetuned !== undefined && s.errors.refit !== undefined);
  assert.deepEqual(s.refit?.layers.map((l) => l.name), ['conv1', 'conv2']);
  for (const l of s.refit?.layers ?? []) assert.ok(l.after <= l.before);
  assert.equal(s.latency?.whole.length, 2);
  assert.deepEqual(s.latency?.layers.map((l) => l.name), ['conv1', 'conv2']);
  const saved = loadModel(out);
  assert.equal(modelStats(saved).macs, s.report.after.macs);
  assert.ok(saved.graph.nodes.some((n) => n.name === 'conv2/tucker_core'));
});

test('the table report names every layer, the ranks, MACs, error and latency lines', async () => {
  const out = join(dir, 'svd.onnx');
  const r = await cli('decompose', input, '--method', 'svd', '--rank', '16', '--latency-runs', '2', '--batch-sizes', '2', '--out', out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /layer\s+op\s+weight\s+rank\s+MACs/);
  assert.match(r.out, /fc1\s+Gemm\s+\[500,800\]\s+16\s/);
  assert.match(r.out, /conv1\s+Conv\s+\[20,1,5,5\]\s+- \(svd factors fully connected/);
  assert.match(r.out, /MACs 2\.29 M -> /);
  assert.match(r.out, /test error: not measured/);
  assert.match(r.out, /latency batch 2: median .* -> .*x\), fastest .* -> .*x\); 2 interleaved runs/);
  assert.ok(existsSync(out));
});

test('per-layer ranks from a JSON file and --layers', async () => {
  const ranks = join(dir, 'ranks.json');
  writeFileSync(ranks, JSON.stringify({ conv2: [10, 4] }));
  const r = await cli('decompose', input, '--method', 'tucker2', '--ranks', ranks, '--latency-runs', '0', '--out', join(dir, 'ranks.onnx'), '--json');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out) as Summary;
  assert.deepEqual(s.report.layers.find((l) => l.name === 'conv2')?.ranks, [10, 4]);
  assert.equal(s.report.layers.find((l) => l.name === 'conv1')?.reason, 'no rank given for this layer');
});

test('bad usage gives typed errors, writes nothing and never touches the input', async () => {
  const before = readFileSync(input);
  const cases: ReadonlyArray<[string[], RegExp]> = [
    [['--method', 'tucker2'], /INVALID_ARGUMENT.*exactly one of rank, energy, budget, vbmf/],
    [['--method', 'tucker2', '--rank', '3', '--vbmf'], /got rank, vbmf/],
    [['--method', 'qr', '--rank', '3'], /unknown low-rank method 'qr'/],
    [['--rank', '3'], /--method is required/],
    [['--method', 'cp', '--rank', '3', '--finetune-epochs', '1'], /--finetune-epochs needs --data/],
    [['--method', 'cp', '--rank', '3', '--refit', '64'], /--refit needs --data/],
    [['--method', 'cp', '--energy', 'lots'], /--energy must be a number > 0 and <= 1, got 'lots'/],
    [['--method', 'svd', '--budget', '0.5', '--budget-metric', 'flops'], /--budget-metric must be macs or params/],
    [['--method', 'svd', '--rank', '3', '--layers', 'fc9'], /layer 'fc9' is not a Conv \/ Gemm \/ MatMul node/],
  ];
  for (const [args, pattern] of cases) {
    const out = join(dir, 'never.onnx');
    const r = await cli('decompose', input, ...args, '--latency-runs', '0', '--out', out);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, pattern);
    assert.equal(existsSync(out), false);
  }
  const same = await cli('decompose', input, '--method', 'svd', '--rank', '3', '--out', input);
  assert.equal(same.code, 2);
  assert.deepEqual(readFileSync(input), before);
  const help = await cli('decompose', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /--vbmf/);
  assert.match(help.out, /--budget B/);
});
