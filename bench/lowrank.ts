/**
 * Low-rank decomposition end to end, like the survey's Table 7: for each model, method and rank rule,
 * factor the model, fine-tune it, and print per-layer ranks / MACs / reconstruction error / measured
 * speedup (each layer alone, original vs factored chain) and the whole model's MACs, parameters, test error
 * (original, right after factoring, after the least-squares refit of the last stages when --refit N is
 * given, after fine-tuning) and measured latency at batch 1 and 64
 * (compareLatency: interleaved blocks, 1 thread; speedup of the medians, and in parentheses of the fastest
 * runs, which is steadier when other work shares the machine).
 *   node dist/bench/lowrank.js [--dataset fashion-mnist] [--methods tucker2,jaderberg,cp,svd]
 *        [--rules energy=0.9,budget=0.4,vbmf,rank=0.25,ranks=file.json] [--finetune 1] [--train-limit 60000] [--lr 0.005] [--wd 0]
 *        [--threads 1] [--runs 50] [--hooi 0] [--refit 0] [--align 1] [--exclude a,b] [--no-layers] [--out dir] model.onnx|zoo-name [more ...]
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { lowRankPipeline, type LowRankPipelineResult } from '../src/compress/lowrank/pipeline.js';
import type { DecomposeOptions } from '../src/compress/lowrank/types.js';
import type { LowRankMethodName } from '../src/compress/lowrank/methods/types.js';
import { resolvePretrained } from '../src/zoo/pretrained.js';
import { loadDataset } from '../src/data/load.js';
import { loadModel, saveModel } from '../src/onnx/index.js';
import type { LatencyComparison } from '../src/runtime/latency.js';

type Rule = Pick<DecomposeOptions, 'rank' | 'energy' | 'budget' | 'vbmf'>;

function parseRule(spec: string): Rule {
  const [kind, value] = spec.split('=');
  const v = Number(value);
  if (kind === 'vbmf') return { vbmf: true };
  if (kind === 'rank') return { rank: v };
  if (kind === 'ranks') return { rank: JSON.parse(readFileSync(value ?? '', 'utf8')) as Record<string, number | number[]> };
  if (kind === 'energy') return { energy: v };
  if (kind === 'budget') return { budget: v };
  throw new Error(`rule '${spec}': use rank=R, ranks=FILE, energy=E, budget=B or vbmf`);
}

const pct = (x: number | undefined): string => (x === undefined ? '-' : `${(x * 100).toFixed(2)}%`);
const si = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(1)}k`);

/** Median speedup, and the speedup of the fastest runs in parentheses. */
function ratio(c: LatencyComparison): string {
  return `${c.speedup.toFixed(2)}x (${(c.a.minMs / c.b.minMs).toFixed(2)}x)`;
}

function lat(c: LatencyComparison | undefined, digits: number): string {
  if (c === undefined) return '-';
  return `${c.a.medianMs.toFixed(digits)} → ${c.b.medianMs.toFixed(digits)} ms, ${ratio(c)}`;
}

function layerTable(r: LowRankPipelineResult): string[] {
  const lat = new Map(r.latency?.layers.map((l) => [l.name, l.comparisons]) ?? []);
  const lines = ['| layer | weight | rank | MACs | factored | fewer | rel. error | speedup b=1 (fastest) | speedup b=64 (fastest) |', '|---|---|---|---|---|---|---|---|---|'];
  for (const l of r.report.layers) {
    if (l.status !== 'decomposed') continue;
    const c = lat.get(l.name) ?? [];
    lines.push(`| ${l.name} | [${l.weightShape.join(',')}] | ${(l.ranks ?? []).join('×')} | ${si(l.before.macs)} | ${si(l.after.macs)} | ${(l.before.macs / l.after.macs).toFixed(2)}x | ${(l.relError ?? 0).toFixed(3)} | ${c.map(ratio).join(' | ')} |`);
  }
  return lines;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      dataset: { type: 'string', default: 'fashion-mnist' },
      methods: { type: 'string', default: 'tucker2,jaderberg,cp' },
      rules: { type: 'string', default: 'energy=0.9' },
      finetune: { type: 'string', default: '1' },
      'train-limit': { type: 'string' },
      lr: { type: 'string', default: '0.005' },
      wd: { type: 'string', default: '0' },
      threads: { type: 'string', default: '1' },
      runs: { type: 'string', default: '50' },
      hooi: { type: 'string', default: '0' },
      exclude: { type: 'string' },
      refit: { type: 'string', default: '0' },
      align: { type: 'string', default: '1' },
      'no-layers': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new Error('give one or more trained model files (or zoo names)');
  const limit = values['train-limit'] === undefined ? {} : { limit: Number(values['train-limit']), testLimit: 10_000_000 };
  const dataset = loadDataset(values.dataset as string, limit);
  const threads = Number(values.threads);
  const summary: string[] = [];
  for (const path of positionals) {
    const source = { model: loadModel(existsSync(path) ? path : (resolvePretrained(path)?.path ?? path)) };
    for (const method of (values.methods as string).split(',') as LowRankMethodName[]) {
      for (const ruleSpec of (values.rules as string).split(',')) {
        const t0 = Date.now();
        const tag = `${basename(path)} ${method} ${ruleSpec}${values.align === '1' ? '' : ` align ${values.align}`}`;
        const r = await lowRankPipeline(source.model, {
          method, ...parseRule(ruleSpec), hooiIterations: Number(values.hooi), alignTo: Number(values.align), dataset, evalThreads: threads,
          ...(values.exclude === undefined ? {} : { exclude: values.exclude.split(',') }),
          finetuneEpochs: Number(values.finetune), refitSamples: Number(values.refit),
          train: {
            lr: Number(values.lr), weightDecay: Number(values.wd), batchSize: 64, threads, schedule: { kind: 'cosine' },
            onProgress: (p) => { if (p.kind === 'epoch') process.stderr.write(`${tag}: epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)} (${p.stats?.seconds.toFixed(0) ?? '?'} s)\n`); },
          },
          latency: { runs: Number(values.runs), batchSizes: [1, 64], threads: 1, perLayer: values['no-layers'] !== true },
          onProgress: (m) => process.stderr.write(`${tag}: ${m}\n`),
        });
        const seconds = (Date.now() - t0) / 1000;
        if (values.out !== undefined) {
          mkdirSync(values.out, { recursive: true });
          saveModel(r.model, join(values.out, `${basename(path).replace(/\.onnx$/, '')}.${method}.${basename(ruleSpec.replace('=', '')).replace(/\.json$/, '')}${values.align === '1' ? '' : `.a${values.align}`}.onnx`));
        }
        const [b1, b64] = r.latency?.whole ?? [];
        const e = r.errors;
        process.stdout.write([`### ${tag} (${r.report.rule})`, '', ...layerTable(r), ''].join('\n'));
        const row = [
          basename(path), method, r.report.rule,
          `${si(r.report.before.macs)} → ${si(r.report.after.macs)} (${(r.report.before.macs / r.report.after.macs).toFixed(2)}x)`,
          `${r.report.before.params} → ${r.report.after.params}`,
          `${pct(e?.original)} / ${pct(e?.decomposed)}${e?.refit === undefined ? '' : ` / refit ${pct(e.refit)}`} / ${pct(e?.finetuned)}`,
          lat(b1, 3), lat(b64, 2),
          `${seconds.toFixed(0)} s`,
        ];
        process.stdout.write(`\n| ${row.join(' | ')} |\n\n`);
        summary.push(`| ${row.join(' | ')} |`);
      }
    }
  }
  process.stdout.write([
    '## summary', '',
    `| model | method | rule | MACs | params | test error: original / factored [/ refit] / fine-tuned (${values.finetune} ep) | latency b=1: median, speedup (fastest) | latency b=64 | time |`,
    '|---|---|---|---|---|---|---|---|---|', ...summary, '',
  ].join('\n'));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
