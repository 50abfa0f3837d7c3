/**
 * Choosing pruning defaults without looking at the test split: the last `--validation` training images are
 * held out (the model should have been trained without them, e.g. `slimnet train ... --limit 50000`), every
 * variant prunes and fine-tunes on the remaining training images, and its error is measured on the held-out
 * ones. Each variant is a JSON object merged over the base settings of `pruneAndRetrain` (method, sparsity,
 * finetuneEpochs, lr, schedule, weightDecay, seed, perLayer, methodOptions...), so any knob can be compared:
 *
 *   node dist/bench/prune-select.js --model runs/lenet5-e3-50k.onnx --validation 10000 --target 0.92 --epochs 3 \
 *     --variant '{"methodOptions":{"scope":"layer"}}' --variant '{"methodOptions":{"scope":"global"}}' \
 *     --variant '{"perLayer":"auto"}' --variant '{"lr":0.02,"schedule":{"kind":"cosine"}}'
 *
 * Prints one line per variant: validation error of the input, right after pruning and after fine-tuning,
 * the change in pp and the fraction kept per layer; `--json` prints one JSON object per line instead.
 */
import { parseArgs } from 'node:util';
import { pruneAndRetrain, type PruneAndRetrainOptions } from '../src/compress/pruning/unstructured/pipeline.js';
import { loadDataset } from '../src/data/load.js';
import { loadModel } from '../src/onnx/index.js';
import { holdout } from './holdout.js';

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      model: { type: 'string' }, data: { type: 'string', default: 'mnist' },
      validation: { type: 'string', default: '10000' },
      target: { type: 'string', default: '0.92' }, epochs: { type: 'string', default: '3' },
      variant: { type: 'string', multiple: true, default: ['{}'] }, threads: { type: 'string', default: '2' },
      seed: { type: 'string', default: '0' }, json: { type: 'boolean', default: false },
    },
  });
  if (v.model === undefined) throw new Error('--model is required');
  const model = loadModel(v.model);
  const data = holdout(loadDataset(v.data as string), Number(v.validation));
  const base: PruneAndRetrainOptions = {
    method: 'magnitude', sparsity: Number(v.target), finetuneEpochs: Number(v.epochs), dataset: data,
    threads: Number(v.threads), seed: Number(v.seed), schedule: { kind: 'cosine' },
  };
  if (!v.json) console.log(`${v.model}: ${data.train.count} training / ${data.test.count} held-out validation images`);
  let before: number | undefined;
  for (const spec of v.variant as string[]) {
    const variant = JSON.parse(spec) as Partial<PruneAndRetrainOptions>;
    const skip = before === undefined ? {} : { skipBaseline: true };
    const r = await pruneAndRetrain(model, { ...base, ...variant, ...skip });
    before ??= r.beforeError;
    const kept = Object.fromEntries(r.stats.layers.map((l) => [l.layer, Number((1 - l.sparsity).toFixed(4))]));
    const row = {
      variant, validationBefore: before, validationPruned: r.prunedError, validationAfter: r.afterError,
      deltaPp: 100 * (r.afterError - before), sparsity: r.stats.sparsity, kept, seconds: r.seconds,
    };
    if (v.json) console.log(JSON.stringify(row));
    else {
      const keptText = Object.entries(kept).map(([k, x]) => `${k} ${(100 * x).toFixed(1)}%`).join(' ');
      console.log(`${spec.padEnd(60)} ${pct(before)} -> ${pct(r.prunedError)} -> ${pct(r.afterError)} `
        + `(${row.deltaPp >= 0 ? '+' : ''}${row.deltaPp.toFixed(2)} pp) kept ${keptText} ${r.seconds.toFixed(0)} s`);
    }
  }
}

await main();
