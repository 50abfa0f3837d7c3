/**
 * The commands a newcomer types first, with default settings, against a plain PyTorch script with the same
 * budget (or the published figure where there is no script). Prints a markdown table (and the commands).
 * Usage (after `SLIMNET_WITH_TORCH=1 npm run setup`):
 *   node dist/bench/defaults.js [--seed 0] [--out runs/defaults] [--only train,prune,deep,distill,int8]
 * Each slimnet figure comes from the command's --json output; the LeNet-5 trained by the first row is the
 * input of the prune, deep-compress and distill rows (trained again if missing).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '0' },
    out: { type: 'string', default: 'runs/defaults' },
    only: { type: 'string', default: 'train,prune,deep,distill,int8' },
  },
});
const seed = values.seed as string;
const dir = values.out as string;
const only = new Set((values.only as string).split(','));
mkdirSync(dir, { recursive: true });
const rows: string[] = [];
const pct = (e: number): string => `${(100 * e).toFixed(2)} %`;
const pp = (d: number): string => `${d >= 0 ? '+' : '−'}${Math.abs(100 * d).toFixed(2)} pp`;

type Json = Record<string, unknown>;
function slimnet(args: string[]): Json {
  const cmd = ['bin/slimnet.js', ...args, '--json'];
  console.error(`$ node ${cmd.join(' ')}`);
  const t0 = performance.now();
  const out = execFileSync(process.execPath, cmd, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] });
  console.error(`  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  return JSON.parse(out) as Json;
}
function torch(script: string, args: string[]): Json {
  console.error(`$ /usr/bin/python3 bench/${script} ${args.join(' ')}`);
  const out = execFileSync('/usr/bin/python3', [`bench/${script}`, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const last = out.trim().split('\n').pop() as string;
  return JSON.parse(last) as Json;
}
const num = (j: Json, ...path: string[]): number => {
  let v: unknown = j;
  for (const k of path) v = (v as Json)[k];
  if (typeof v !== 'number') throw new Error(`no number at ${path.join('.')} in ${JSON.stringify(j).slice(0, 300)}`);
  return v;
};

const lenet = join(dir, 'lenet5.onnx');
if (only.has('train') || !existsSync(lenet)) {
  const s = slimnet(['train', '--model', 'lenet5', '--data', 'mnist', '--epochs', '3', '--seed', seed, '--out', lenet]);
  const t = torch('torch_defaults.py', ['--epochs', '3', '--seed', seed]);
  rows.push(`| train | \`slimnet train --model lenet5 --data mnist --epochs 3\` | ${pct(num(s, 'testError'))} | `
    + `PyTorch, SGD 0.01 m 0.9, 3 epochs: ${pct(num(t, 'test_error'))} | ≤ 1.0 % |`);
}
if (only.has('prune')) {
  const s = slimnet(['prune', lenet, '--method', 'magnitude', '--target', '0.92', '--finetune-epochs', '3', '--data', 'mnist',
    '--seed', seed, '--out', join(dir, 'lenet5-pruned.onnx')]);
  const t = torch('torch_prune.py', ['--checkpoint', lenet, '--target', '0.92', '--retrain-epochs', '3', '--seed', seed]);
  const d = num(s, 'afterError') - num(s, 'beforeError');
  const td = num(t, 'final_error') - num(t, 'baseline_error');
  rows.push(`| prune | \`slimnet prune lenet5.onnx --method magnitude --target 0.92 --finetune-epochs 3 --data mnist\` | `
    + `${pct(num(s, 'beforeError'))} → ${pct(num(s, 'afterError'))} (${pp(d)}) | PyTorch global magnitude 92 % + 3 epochs: `
    + `${pct(num(t, 'baseline_error'))} → ${pct(num(t, 'final_error'))} (${pp(td)}) | ≤ +0.2 pp |`);
}
if (only.has('deep')) {
  const s = slimnet(['deep-compress', lenet, '--data', 'mnist', '--seed', seed, '--out', join(dir, 'lenet5.slim')]);
  const d = num(s, 'errors', 'final') - num(s, 'errors', 'input');
  rows.push(`| deep-compress | \`slimnet deep-compress lenet5.onnx --data mnist\` | ${num(s, 'ratio').toFixed(1)}× at `
    + `${pct(num(s, 'errors', 'input'))} → ${pct(num(s, 'errors', 'final'))} (${pp(d)}) | Han et al. 2016 (published): 39× at −0.06 pp `
    + `| ≥ 39× at ≤ +0.1 pp |`);
}
if (only.has('distill')) {
  const alone = slimnet(['train', '--model', 'lenet5', '--data', 'mnist', '--epochs', '1', '--seed', seed, '--out', join(dir, 'student.onnx')]);
  const cells: string[] = [];
  for (const method of ['kd', 'fitnets', 'at']) {
    const s = slimnet(['distill', '--teacher', lenet, '--student', 'lenet5', '--method', method, '--data', 'mnist', '--epochs', '1',
      '--seed', seed, '--out', join(dir, `student-${method}.onnx`)]);
    cells.push(`${method} ${pct(num(s, 'testError'))}`);
  }
  rows.push(`| distill | \`slimnet distill --teacher lenet5.onnx --student lenet5 --method M --data mnist --epochs 1\` | `
    + `${cells.join(', ')} | student alone, same budget: ${pct(num(alone, 'testError'))} | no divergence, beat alone |`);
}
if (only.has('int8')) {
  const s = slimnet(['quantize', 'models/resnet20-fashion.onnx', '--method', 'int8', '--data', 'fashion-mnist',
    '--out', join(dir, 'resnet20-int8.onnx')]);
  const m = s.measurement as Json;
  const before = num(m, 'error', 'before');
  const after = num(m, 'error', 'after');
  const lat = (m.latency as Json[]).map((l) => `${num(l, 'speedup').toFixed(2)}× b${num(l, 'batchSize')}`).join(', ');
  const weights = ((s.report as Json).weights ?? {}) as Json;
  rows.push(`| int8 | \`slimnet quantize models/resnet20-fashion.onnx --method int8 --data fashion-mnist\` | `
    + `${pct(before)} → ${pct(after)} (${pp(after - before)}), ${num(m, 'size', 'ratio').toFixed(2)}× smaller, ${lat}; `
    + `${String(weights.bits)}-bit weights (reduce range ${String(weights.reduceRange)}) | — | ≤ +0.1 pp on both CPU kinds |`);
}
console.log('| family | command | slimnet (defaults) | reference, same budget | target |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(r);
