/**
 * A table like the survey's Table 10: MobileNet-style vs ShuffleNet-style zoo nets at matched MACs
 * budgets on Fashion-MNIST. For each budget the width multiplier of each net is the one (on a 0.01 grid)
 * whose MACs are closest to the budget; each model is trained by `slimnet train` with the same recipe
 * (a child process per model, niced; an existing trained model or checkpoint is reused, so an interrupted
 * run continues), then its error on the full test split is measured and the pair's onnxruntime latency is compared in
 * interleaved blocks (compareLatency, 1 thread) at batch 1 and 64.
 *
 *   node dist/bench/compact-table10.js [--budgets 2,5,12] [--epochs 6] [--lr 0.05] [--limit N]
 *        [--threads 1] [--runs 200] [--out runs/compact] [--measure-only]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/data/load.js';
import { modelStats } from '../src/metrics/layer-stats.js';
import { loadModel } from '../src/onnx/index.js';
import { evaluate } from '../src/runtime/evaluate.js';
import { compareLatency } from '../src/runtime/latency.js';
import { buildZooModel } from '../src/zoo/index.js';

const ARCHS = ['mobilenet', 'shufflenet'] as const;

/** The width on a 0.01 grid whose MACs are closest to `budget` (MACs). */
function widthFor(arch: string, budget: number): { width: number; macs: number; params: number } {
  let best = { width: 0, macs: Infinity, params: 0 };
  for (let i = 10; i <= 200; i++) {
    const width = i / 100;
    const s = modelStats(buildZooModel(arch, { width }));
    if (Math.abs(s.macs - budget) < Math.abs(best.macs - budget)) best = { width, macs: s.macs, params: s.params };
  }
  return best;
}

function trainArgs(arch: string, width: number, o: Record<string, string | boolean | undefined>, out: string): string[] {
  const name = `${arch}-w${width}`;
  return [
    'bin/slimnet.js', 'train', '--model', arch, '--width', String(width), '--data', 'fashion-mnist',
    '--epochs', String(o.epochs), '--batch-size', '64', '--lr', String(o.lr), '--schedule', 'cosine+warmup:0.3',
    '--weight-decay', '0.0005', '--seed', '1', '--threads', String(o.threads),
    ...(o.limit === undefined ? [] : ['--limit', String(o.limit)]),
    '--checkpoint', join(out, `${name}.ckpt.onnx`), '--resume', '--out', join(out, `${name}.onnx`),
  ];
}

async function main(): Promise<void> {
  const { values: o } = parseArgs({
    options: {
      budgets: { type: 'string', default: '2,5,12' },
      epochs: { type: 'string', default: '6' },
      lr: { type: 'string', default: '0.05' },
      limit: { type: 'string' },
      threads: { type: 'string', default: '1' },
      runs: { type: 'string', default: '200' },
      out: { type: 'string', default: 'runs/compact' },
      'measure-only': { type: 'boolean', default: false },
    },
  });
  const out = o.out as string;
  mkdirSync(out, { recursive: true });
  const budgets = (o.budgets as string).split(',').map((b) => Number(b) * 1e6);
  const data = loadDataset('fashion-mnist'); // the full test split, whatever --limit trained on
  const rows: string[] = [];
  for (const budget of budgets) {
    const pair = [];
    for (const arch of ARCHS) {
      const w = widthFor(arch, budget);
      const path = join(out, `${arch}-w${w.width}.onnx`);
      if (!existsSync(path) && o['measure-only'] !== true) {
        const args = trainArgs(arch, w.width, o, out);
        process.stderr.write(`== nice -n 19 node ${args.join(' ')}\n`);
        const log = openSync(join(out, `${arch}-w${w.width}.log`), 'a');
        const r = spawnSync('nice', ['-n', '19', 'node', ...args], { stdio: ['ignore', log, log] });
        if (r.status !== 0) throw new Error(`training ${arch} width ${w.width} failed (exit ${String(r.status)}); see ${out}/${arch}-w${w.width}.log`);
      }
      if (!existsSync(path)) throw new Error(`${path} is missing (run without --measure-only to train it)`);
      const model = loadModel(path);
      const error = (await evaluate(model, data.test, { threads: Number(o.threads) })).top1Error;
      pair.push({ arch, ...w, model, error });
    }
    const [a, b] = pair as [(typeof pair)[number], (typeof pair)[number]];
    const runs = Number(o.runs);
    const l1 = await compareLatency(a.model, b.model, { batchSize: 1, runs, warmup: 20, threads: 1 });
    const l64 = await compareLatency(a.model, b.model, { batchSize: 64, runs: Math.max(10, Math.round(runs / 4)), warmup: 5, threads: 1 });
    const lat = [[l1.a, l64.a], [l1.b, l64.b]] as const;
    pair.forEach((p, i) => {
      rows.push([
        `~${(budget / 1e6).toFixed(0)}`, p.arch, p.width.toFixed(2), (p.macs / 1e6).toFixed(2), p.params.toLocaleString('en-US'),
        `${(p.error * 100).toFixed(2)} %`, lat[i]?.[0].medianMs.toFixed(3) ?? '', lat[i]?.[1].medianMs.toFixed(2) ?? '',
      ].join(' | '));
    });
    process.stderr.write(`budget ${budget / 1e6} M: MACs gap ${(Math.abs(a.macs - b.macs) / a.macs * 100).toFixed(1)} %; shufflenet/mobilenet latency b1 ${(1 / l1.speedup).toFixed(2)}x, b64 ${(1 / l64.speedup).toFixed(2)}x\n`);
  }
  console.log('| budget (MMACs) | model | width | MMACs | params | test error | latency b=1 (ms) | latency b=64 (ms) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r} |`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
