/**
 * Structured pruning end to end: prune trained models to a MACs target, fine-tune, and report MACs,
 * params, test error before / after and the measured onnxruntime speedup at batch 1 and 64 (median of
 * interleaved runs via compareLatency, 1 thread), plus the median process CPU time per run (robust to a
 * loaded machine's preemptions).
 *   node dist/bench/prune-structured.js [--dataset mnist] [--macs 0.5 | 3x] [--criterion l1] [--finetune 1]
 *        [--steps 1] [--final 0] [--lr 0.005] [--wd 0] [--per-layer auto|FILE] [--ranking local|global] [--exclude g1,g2]
 *        [--sparsity-epochs 1] [--coefficient 1e-4] [--round-to 1] [--align 1] [--threads 2] [--train-limit 60000]
 *        [--runs 50] [--out pruned-dir] model.onnx [more.onnx ...]
 * `--align 16`: kept counts ≥ 16 become multiples of 16 (onnxruntime's AVX-512 NCHWc convolutions; see policy.ts).
 * `--train-limit N` fine-tunes on the first N training images only (the test split stays whole).
 * Each step's fine-tuning runs a cosine decay from --lr; --final N adds N more epochs (cosine from --lr / 2)
 * after the last step. `--macs 3x` means 3× fewer MACs (a fraction 1 − 1/3 removed). `--per-layer FILE` is a JSON
 * {group: weight}: the groups' ratios are those weights scaled together until the MACs target is met (groups
 * not listed are not pruned).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { structuredCriterion, structuredPrune } from '../src/compress/pruning/structured/index.js';
import { loadDataset } from '../src/data/load.js';
import { loadModel, saveModel } from '../src/onnx/index.js';
import { compareLatency, type LatencyComparison } from '../src/runtime/latency.js';
import { evaluate } from '../src/runtime/evaluate.js';
import { train as trainModel } from '../src/train/trainer.js';
import type { TrainProgress } from '../src/train/types.js';

function cpuText(l: LatencyComparison, digits: number): string {
  if (l.a.cpu === undefined || l.b.cpu === undefined) return 'n/a';
  return `${l.a.cpu.medianMs.toFixed(digits)} -> ${l.b.cpu.medianMs.toFixed(digits)} ms (${(l.cpuSpeedup ?? NaN).toFixed(2)}x)`;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      dataset: { type: 'string', default: 'mnist' },
      macs: { type: 'string', default: '0.5' },
      criterion: { type: 'string', default: 'l1' },
      finetune: { type: 'string', default: '1' },
      steps: { type: 'string', default: '1' },
      'train-limit': { type: 'string' },
      'round-to': { type: 'string', default: '1' },
      align: { type: 'string', default: '1' },
      runs: { type: 'string', default: '50' },
      lr: { type: 'string', default: '0.005' },
      wd: { type: 'string', default: '0' },
      final: { type: 'string', default: '0' },
      'per-layer': { type: 'string' },
      ranking: { type: 'string', default: 'local' },
      exclude: { type: 'string', default: '' },
      'sparsity-epochs': { type: 'string', default: '1' },
      coefficient: { type: 'string', default: '1e-4' },
      threads: { type: 'string', default: '2' },
      seed: { type: 'string', default: '0' },
      out: { type: 'string' },
    },
  });
  const criterion = structuredCriterion(values.criterion as string).name;
  if (positionals.length === 0) throw new Error('give one or more trained model files');
  // --train-limit subsamples the training split only: the test error is always on the whole test split.
  const limit = values['train-limit'] === undefined ? {} : { limit: Number(values['train-limit']), testLimit: Number.MAX_SAFE_INTEGER };
  const dataset = loadDataset(values.dataset as string, limit);
  const runs = Number(values.runs);
  const threads = Number(values.threads);
  const rows: string[] = [];
  for (const path of positionals) {
    const model = loadModel(path);
    const t0 = Date.now();
    const before = await evaluate(model, dataset.test);
    const onProgress = (p: TrainProgress): void => {
      if (p.kind === 'epoch' && p.stats !== undefined) {
        process.stderr.write(`${basename(path)}:   epoch ${p.epoch}/${p.epochs}: train loss ${p.stats.trainLoss.toFixed(4)}, test error ${(p.stats.testError * 100).toFixed(2)}%, ${p.stats.imagesPerSecond.toFixed(0)} img/s\n`);
      }
    };
    const train = { lr: Number(values.lr), batchSize: 64, weightDecay: Number(values.wd), threads, seed: Number(values.seed), schedule: { kind: 'cosine' as const }, onProgress };
    const r = await structuredPrune(model, {
      criterion, target: { macsRatio: macsRatio(values.macs as string) }, steps: Number(values.steps), finetuneEpochs: Number(values.finetune),
      roundTo: Number(values['round-to']), alignTo: Number(values.align), dataset, train, ranking: values.ranking === 'global' ? 'global' : 'local',
      exclude: (values.exclude as string).split(',').filter((x) => x !== ''),
      ...(structuredCriterion(criterion).prepare === undefined ? {} : {
        criterionOptions: { sparsityEpochs: Number(values['sparsity-epochs']), coefficient: Number(values.coefficient) },
      }),
      ...(values['per-layer'] === undefined ? {} : { perLayer: values['per-layer'] === 'auto' ? 'auto' as const : JSON.parse(readFileSync(values['per-layer'], 'utf8')) as Record<string, number> }),
      onProgress: (m) => process.stderr.write(`${basename(path)}: ${m}\n`),
    });
    let pruned = r.model;
    const finalEpochs = Number(values.final);
    if (finalEpochs > 0) {
      const t = await trainModel({ ...train, lr: Number(values.lr) / 2, model: pruned, dataset, epochs: finalEpochs, seed: Number(values.seed) + 99 });
      pruned = t.model;
      process.stderr.write(`${basename(path)}: final fine-tuning ${finalEpochs} epoch(s): test error ${(t.testError * 100).toFixed(2)}%\n`);
    }
    const seconds = (Date.now() - t0) / 1000;
    const after = await evaluate(pruned, dataset.test);
    const lat1 = await compareLatency(model, pruned, { batchSize: 1, runs, warmup: 10, threads: 1 });
    const lat64 = await compareLatency(model, pruned, { batchSize: 64, runs, warmup: 5, threads: 1 });
    if (values.out !== undefined) {
      mkdirSync(values.out, { recursive: true });
      saveModel(pruned, join(values.out, basename(path).replace(/\.onnx$/, '.pruned.onnx')), { protect: [path] });
    }
    const groups = r.groups.filter((g) => g.status === 'pruned').map((g) => `${g.name} ${g.size}->${g.kept}`).join(', ');
    process.stderr.write(`${basename(path)}: groups: ${groups}\n`);
    rows.push([
      basename(path), criterion,
      `${(r.before.macs / 1e6).toFixed(2)}M -> ${(r.after.macs / 1e6).toFixed(2)}M (${(r.before.macs / r.after.macs).toFixed(2)}x)`,
      `${r.before.params} -> ${r.after.params}`,
      `${(before.top1Error * 100).toFixed(2)}% -> ${(after.top1Error * 100).toFixed(2)}%`,
      `${lat1.a.medianMs.toFixed(3)} -> ${lat1.b.medianMs.toFixed(3)} ms (${lat1.speedup.toFixed(2)}x)`,
      `${lat64.a.medianMs.toFixed(2)} -> ${lat64.b.medianMs.toFixed(2)} ms (${lat64.speedup.toFixed(2)}x)`,
      `${cpuText(lat1, 3)}`, `${cpuText(lat64, 2)}`,
      `${seconds.toFixed(0)} s`,
    ].join(' | '));
  }
  process.stdout.write(`model | criterion | MACs | params | test error | latency b=1 | latency b=64 | CPU time b=1 | CPU time b=64 | prune+finetune time\n`);
  process.stdout.write(`(latency: wall-clock median of ${runs} interleaved runs, 1 thread; CPU time: median process CPU time per run)\n`);
  for (const row of rows) process.stdout.write(`${row}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

/** --macs as a fraction of MACs removed (0.5) or a reduction factor (2x). */
function macsRatio(text: string): number {
  const factor = /^([0-9]*\.?[0-9]+)x$/i.exec(text.trim());
  const value = factor === null ? Number(text) : 1 - 1 / Number(factor[1]);
  if (!(value >= 0 && value < 1)) throw new Error(`--macs must be a fraction in [0, 1) or a factor like 2x, got '${text}'`);
  return value;
}
