/**
 * Binary / ternary networks table (the surveys' Tables 4 and 9 on our models): each method fine-tuned
 * from a trained float baseline with its straight-through estimators, exported to its deployment form
 * and evaluated with onnxruntime on the full test split. Prints one markdown row per configuration:
 * weight bits, activation bits, test error, increase over the float baseline, packed size and ratio.
 *   node dist/bench/binary.js --model runs/lenet5.onnx [--data mnist] [--configs bc,bwn,...] [--epochs 3]
 *     [--lr 0.001] [--optimizer adam] [--limit N] [--batch 64] [--threads 1] [--out runs/binary] [--json file]
 *     [--no-validate]   (skip the per-epoch test evaluation; the deployed model is still evaluated)
 * --limit N fine-tunes on the first N training images only; the test split stays whole.
 * Configurations: bc, bc-stoch, bwn, xnor, bnn, twn, ttq, dorefa-1/2, dorefa-1/4, hwgq (default: all but bc-stoch).
 * --json appends one JSON object per finished configuration to the file (runs can be split and combined).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { initializerBytes, trainBinary, type BinaryMethodName, type BinaryMethodOptions } from '../src/compress/quantization/binary/index.js';
import { loadDataset } from '../src/data/load.js';
import { loadModel, saveModel } from '../src/onnx/index.js';
import { evaluate } from '../src/runtime/evaluate.js';

const CONFIGS: Readonly<Record<string, { method: BinaryMethodName; options: BinaryMethodOptions }>> = {
  bc: { method: 'bc', options: {} },
  'bc-stoch': { method: 'bc', options: { stochastic: true } },
  bwn: { method: 'bwn', options: {} },
  xnor: { method: 'xnor', options: {} },
  bnn: { method: 'bnn', options: {} },
  twn: { method: 'twn', options: {} },
  ttq: { method: 'ttq', options: {} },
  'dorefa-1/2': { method: 'dorefa', options: { weightBits: 1, activationBits: 2 } },
  'dorefa-1/4': { method: 'dorefa', options: { weightBits: 1, activationBits: 4 } },
  hwgq: { method: 'hwgq', options: { activationBits: 2 } },
};
const DEFAULT = Object.keys(CONFIGS).filter((c) => c !== 'bc-stoch');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      data: { type: 'string', default: 'mnist' },
      configs: { type: 'string', default: DEFAULT.join(',') },
      epochs: { type: 'string', default: '3' },
      lr: { type: 'string', default: '0.001' },
      optimizer: { type: 'string', default: 'adam' },
      limit: { type: 'string' },
      batch: { type: 'string', default: '64' },
      threads: { type: 'string', default: '1' },
      out: { type: 'string', default: 'runs/binary' },
      json: { type: 'string' },
      'no-validate': { type: 'boolean', default: false },
    },
  });
  if (values.model === undefined) throw new Error('--model (a trained float ONNX model) is required');
  const configs = (values.configs as string).split(',').map((c) => c.trim());
  for (const c of configs) if (CONFIGS[c] === undefined) throw new Error(`unknown configuration '${c}'; use ${Object.keys(CONFIGS).join(', ')}`);
  // --limit shortens the training split only; the test split stays whole.
  const data = loadDataset(values.data as string, values.limit === undefined ? {} : { limit: Number(values.limit), testLimit: Number.MAX_SAFE_INTEGER });
  const threads = Number(values.threads);
  const source = loadModel(values.model);
  const name = basename(values.model, '.onnx');
  mkdirSync(values.out as string, { recursive: true });
  const base = await evaluate(source, data.test, { threads });
  const epochs = Number(values.epochs);
  const header = '| method | W bits | A bits | test error | Δ vs float | packed KB | ratio | epochs | minutes |\n|---|---|---|---|---|---|---|---|---|';
  const rows: string[] = [`| float baseline | 32 | 32 | ${pct(base.top1Error)} | — | ${kb(initializerBytes(source).bytes)} | 1.0 | — | — |`];
  process.stdout.write(`${name} on ${values.data as string}: float baseline ${pct(base.top1Error)}\n${header}\n${rows[0]}\n`);
  for (const c of configs) {
    const { method, options } = CONFIGS[c]!;
    const t0 = Date.now();
    const r = await trainBinary(source, {
      method, ...options, dataset: data, epochs, lr: Number(values.lr), optimizer: values.optimizer as 'adam' | 'sgd' | 'adamw',
      batchSize: Number(values.batch), threads, seed: 1, schedule: { kind: 'cosine' }, validate: values['no-validate'] !== true,
      onProgress: (p) => {
        if (p.kind === 'epoch') process.stderr.write(`${name} ${c}: epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)} train error ${pct(p.stats?.trainError ?? NaN)} test ${pct(p.stats?.testError ?? NaN)} (${p.stats?.seconds.toFixed(0)} s)\n`);
      },
    });
    const minutes = (Date.now() - t0) / 60000;
    saveModel(r.model, join(values.out as string, `${name}-${c.replace('/', '-')}.onnx`), { externalData: false });
    const e = await evaluate(r.model, data.test, { threads });
    const s = r.report.size;
    const row = `| ${c} | ${r.report.weightBits} | ${r.report.activationBits} | ${pct(e.top1Error)} | ${signed(100 * (e.top1Error - base.top1Error))} | ${kb(s.bytes)} | ${s.ratio.toFixed(1)} | ${epochs} | ${minutes.toFixed(1)} |`;
    rows.push(row);
    process.stdout.write(`${row}\n`);
    if (values.json !== undefined) {
      appendFileSync(values.json, `${JSON.stringify({ model: name, config: c, weightBits: r.report.weightBits, activationBits: r.report.activationBits, error: e.top1Error, baseline: base.top1Error, trainingError: r.report.testError, bytes: s.bytes, floatBytes: s.floatBytes, epochs, minutes, fullPrecision: r.report.fullPrecision, added: r.report.added })}\n`);
    }
  }
  process.stdout.write(`\n${header}\n${rows.join('\n')}\n`);
}

const pct = (e: number): string => `${(100 * e).toFixed(2)} %`;
const signed = (pp: number): string => `${pp >= 0 ? '+' : ''}${pp.toFixed(2)} pp`;
const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
