import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { SlimnetError } from '../../ir/errors.js';
import { loadModel, saveModel } from '../../onnx/index.js';
import { buildZooModel } from '../../zoo/index.js';
import { PRUNE_FINETUNE_DEFAULTS } from '../../compress/pruning/unstructured/pipeline.js';
import { formatSchedule } from '../../train/schedule.js';
import { parseOptionText } from '../../compress/options.js';
import { parseTarget } from './prune.js';
import { cli } from '../../testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-prune-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** onnx.checker's complaint about `file`, undefined when accepted, 'skip' without python3-onnx. */
function checker(file: string): string | undefined {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import onnx.checker'], { stdio: 'ignore' });
  } catch {
    return 'skip';
  }
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    return undefined;
  } catch (e) {
    return String((e as { stderr?: unknown }).stderr ?? e).trim().split('\n').pop();
  }
}

function checked(t: TestContext, file: string): void {
  const problem = checker(file);
  if (problem === 'skip') {
    if (process.env.CI === 'true') assert.fail('python3-onnx is required under CI');
    t.diagnostic('python3-onnx is not installed: onnx.checker skipped');
    return;
  }
  assert.equal(problem, undefined, file);
}

test('--target takes a fraction or a reduction factor; --options parses key=value pairs', () => {
  assert.equal(parseTarget('0.9'), 0.9);
  assert.equal(parseTarget('12x'), 1 - 1 / 12);
  assert.equal(parseTarget('3X'), 1 - 1 / 3);
  for (const bad of ['1', '0.5x', 'abc', '-0.1', '']) assert.throws(() => parseTarget(bad), SlimnetError, bad);
  assert.deepEqual(parseOptionText('cycles=4,criterion=obd,scope=global'), { cycles: '4', criterion: 'obd', scope: 'global' });
  assert.throws(() => parseOptionText('cycles'), /key=value/);
});

test('prune --per-layer auto --target 12x: per-layer sparsities from sensitivity meet the global target; output passes onnx.checker', async (t) => {
  const out = join(dir, 'auto.onnx');
  const r = await cli('prune', 'lenet-300-100', '--method', 'magnitude', '--target', '12x', '--per-layer', 'auto', '--finetune-epochs', '0', '--limit', '200', '--out', out, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { stats: { ratio: number; layers: Array<{ sparsity: number }> }; sparsities: Record<string, number> };
  assert.ok(Math.abs(j.stats.ratio - 12) < 0.1, `ratio ${j.stats.ratio}`);
  assert.deepEqual(Object.keys(j.sparsities), ['fc1.weight', 'fc2.weight', 'fc3.weight']);
  const s = j.stats.layers.map((l) => l.sparsity);
  assert.ok(Math.max(...s) - Math.min(...s) > 0.01, `the layers get different sparsities: ${s.join(', ')}`);
  const m = loadModel(out);
  const w = m.graph.initializers.get('fc1.weight')?.initializer?.data as Float32Array;
  assert.ok(w.some((x) => Object.is(x, 0)), 'exact zeros');
  checked(t, out);
});

test('prune --method magnitude: one global threshold by default, settings printed and in --json; scope=layer', async () => {
  const common = ['--target', '0.9', '--finetune-epochs', '0', '--limit', '100'];
  const text = await cli('prune', 'lenet-300-100', ...common, '--out', join(dir, 'g.onnx'));
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /settings: magnitude \(scope global, normalize false\), target 90\.0 % of the weights zero; /);
  assert.match(text.out, /; fine-tuning 0 epoch/);
  const d = PRUNE_FINETUNE_DEFAULTS;
  const sgd = `SGD lr ${d.lr} ${formatSchedule(d.schedule)}, momentum ${d.momentum}, weight decay ${d.weightDecay}, `
    + `batch ${d.batchSize}, seed 0`;
  assert.ok(text.out.includes(sgd), text.out);
  interface Summary {
    settings: { options: { scope: string }; lr: number; seed: number };
    stats: { layers: Array<{ sparsity: number }> };
  }
  const json = await cli('prune', 'lenet-300-100', ...common, '--seed', '3', '--out', join(dir, 'g2.onnx'), '--json');
  const g = JSON.parse(json.out) as Summary;
  assert.equal(g.settings.options.scope, 'global');
  assert.equal(g.settings.seed, 3);
  const s = g.stats.layers.map((l) => l.sparsity);
  assert.ok(Math.max(...s) - Math.min(...s) > 0.05, `one threshold, different layer sparsities: ${s.join(', ')}`);
  const layer = await cli('prune', 'lenet-300-100', ...common, '--options', 'scope=layer', '--out', join(dir, 'l.onnx'), '--json');
  const l = JSON.parse(layer.out) as Summary;
  assert.equal(l.settings.options.scope, 'layer');
  for (const x of l.stats.layers) assert.ok(Math.abs(x.sparsity - 0.9) < 1e-3, `layer scope: ${x.sparsity}`);
});

test('prune --method obs with --options, and iterative OBD through --options criterion=obd', async () => {
  const small = join(dir, 'small-lenet5.onnx');
  saveModel(buildZooModel('lenet5', { width: 0.25, seed: 2 }), small);
  const obs = await cli('prune', small, '--method', 'obs', '--target', '0.95', '--options', 'samples=64,steps=2', '--finetune-epochs', '0', '--limit', '128', '--out', join(dir, 'obs.onnx'), '--json');
  assert.equal(obs.code, 0, obs.err);
  assert.ok(Math.abs((JSON.parse(obs.out) as { stats: { sparsity: number } }).stats.sparsity - 0.95) < 1e-3);
  const it = await cli('prune', small, '--method', 'iterative', '--target', '0.8', '--options', 'cycles=2,criterion=obd,samples=16', '--finetune-epochs', '0', '--limit', '128', '--out', join(dir, 'it.onnx'), '--json');
  assert.equal(it.code, 0, it.err);
  assert.ok(Math.abs((JSON.parse(it.out) as { stats: { sparsity: number } }).stats.sparsity - 0.8) < 1e-3);
  const bad = await cli('prune', small, '--method', 'iterative', '--options', 'criterion=data-free', '--limit', '64', '--out', join(dir, 'bad.onnx'));
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /cannot be the pruning step/);
});

test('sensitivity --criterion magnitude: one unstructured curve per layer', async () => {
  const r = await cli('sensitivity', 'lenet-300-100', '--criterion', 'magnitude', '--samples', '50', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { curves: Array<{ layer: string; points: Array<{ sparsity: number; error: number }> }> };
  assert.deepEqual(j.curves.map((c) => c.layer), ['fc1', 'fc2', 'fc3']);
  assert.equal(j.curves[0]?.points[0]?.sparsity, 0);
  const table = await cli('sensitivity', 'lenet-300-100', '--criterion', 'magnitude', '--samples', '50');
  assert.match(table.out, /fc3\s+1000/);
});
