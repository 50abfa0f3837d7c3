/**
 * Structured pruning end to end: prune trained models to a MACs target, fine-tune, and report MACs,
 * params, test error before / after and the measured onnxruntime speedup at batch 1 and 64 (median of
 * interleaved runs via compareLatency, 1 thread).
 *   node dist/bench/prune-structured.js [--dataset mnist] [--macs 0.5] [--criterion l1] [--finetune 1]
 *        [--steps 1] [--train-limit 60000] [--runs 50] [--out pruned-dir] model.onnx [more.onnx ...]
 */
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { CRITERION_NAMES, structuredPrune, type CriterionName } from '../src/compress/pruning/structured/index.js';
import { loadDataset } from '../src/data/load.js';
import { loadModel, saveModel } from '../src/onnx/index.js';
import { compareLatency } from '../src/runtime/latency.js';
import { evaluate } from '../src/runtime/evaluate.js';

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
      runs: { type: 'string', default: '50' },
      lr: { type: 'string', default: '0.005' },
      out: { type: 'string' },
    },
  });
  const criterion = values.criterion as CriterionName;
  if (!(CRITERION_NAMES as readonly string[]).includes(criterion)) throw new Error(`--criterion must be one of ${CRITERION_NAMES.join(', ')}`);
  if (positionals.length === 0) throw new Error('give one or more trained model files');
  const limit = values['train-limit'] === undefined ? {} : { limit: Number(values['train-limit']) };
  const dataset = loadDataset(values.dataset as string, limit);
  const runs = Number(values.runs);
  const rows: string[] = [];
  for (const path of positionals) {
    const model = loadModel(path);
    const t0 = Date.now();
    const before = await evaluate(model, dataset.test);
    const r = await structuredPrune(model, {
      criterion, target: { macsRatio: Number(values.macs) }, steps: Number(values.steps), finetuneEpochs: Number(values.finetune),
      roundTo: Number(values['round-to']), dataset, train: { lr: Number(values.lr), batchSize: 64 },
      onProgress: (m) => process.stderr.write(`${basename(path)}: ${m}\n`),
    });
    const seconds = (Date.now() - t0) / 1000;
    const after = await evaluate(r.model, dataset.test);
    const lat1 = await compareLatency(model, r.model, { batchSize: 1, runs, warmup: 10, threads: 1 });
    const lat64 = await compareLatency(model, r.model, { batchSize: 64, runs, warmup: 5, threads: 1 });
    if (values.out !== undefined) {
      mkdirSync(values.out, { recursive: true });
      saveModel(r.model, join(values.out, basename(path).replace(/\.onnx$/, '.pruned.onnx')));
    }
    const pruned = r.groups.filter((g) => g.status === 'pruned').map((g) => `${g.name} ${g.size}->${g.kept}`).join(', ');
    process.stderr.write(`${basename(path)}: groups: ${pruned}\n`);
    rows.push([
      basename(path), criterion,
      `${(r.before.macs / 1e6).toFixed(2)}M -> ${(r.after.macs / 1e6).toFixed(2)}M (${(r.before.macs / r.after.macs).toFixed(2)}x)`,
      `${r.before.params} -> ${r.after.params}`,
      `${(before.top1Error * 100).toFixed(2)}% -> ${(after.top1Error * 100).toFixed(2)}%`,
      `${lat1.a.medianMs.toFixed(3)} -> ${lat1.b.medianMs.toFixed(3)} ms (${lat1.speedup.toFixed(2)}x)`,
      `${lat64.a.medianMs.toFixed(2)} -> ${lat64.b.medianMs.toFixed(2)} ms (${lat64.speedup.toFixed(2)}x)`,
      `${seconds.toFixed(0)} s`,
    ].join(' | '));
  }
  process.stdout.write('model | criterion | MACs | params | test error | latency b=1 | latency b=64 | prune+finetune time\n');
  for (const row of rows) process.stdout.write(`${row}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
