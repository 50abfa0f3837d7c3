/**
 * Unstructured pruning table (Han et al. 2015 reproduction): each method at increasing sparsity, pruned
 * from a trained baseline and fine-tuned with masks; test error before / after and nonzero weights.
 * Usage (after `npx tsc -p tsconfig.json`):
 *   node dist/bench/prune-unstructured.js --model runs/baselines/lenet-300-100.onnx [--data mnist]
 *     [--methods magnitude,iterative,obd,lobs] [--sparsities 0.9,0.92] [--han] [--epochs 2] [--lr 0.01]
 *     [--limit N] [--eval-limit N] [--threads 2] [--option key=value ...]
 * --han adds a row per method with Han et al.'s per-layer sparsities (LeNet-300-100: 92/91/74 %;
 * LeNet-5: conv1 34, conv2 88, fc1 92, fc2 81 %). `ratio` = all parameters / nonzero parameters
 * of the baseline (biases included, as Han et al. count them); `w-ratio` counts prunable weights only
 * (both against the baseline, so physically removed units count too).
 */
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/data/load.js';
import { loadModel } from '../src/onnx/index.js';
import { evaluate } from '../src/runtime/evaluate.js';
import { sparsityStats } from '../src/compress/pruning/common/sparsity.js';
import { pruneAndRetrain } from '../src/compress/pruning/unstructured/pipeline.js';
import type { SparsityTarget } from '../src/compress/pruning/unstructured/types.js';

const HAN: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'lenet-300-100': { fc1: 0.92, fc2: 0.91, fc3: 0.74 },
  lenet5: { conv1: 0.34, conv2: 0.88, fc1: 0.92, fc2: 0.81 },
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'runs/baselines/lenet-300-100.onnx' }, data: { type: 'string', default: 'mnist' },
      methods: { type: 'string', default: 'magnitude,iterative,obd,lobs' }, sparsities: { type: 'string', default: '0.9' },
      han: { type: 'boolean', default: false }, epochs: { type: 'string', default: '2' }, lr: { type: 'string', default: '0.01' },
      limit: { type: 'string' }, 'eval-limit': { type: 'string' }, threads: { type: 'string', default: '2' },
      option: { type: 'string', multiple: true, default: [] },
    },
  });
  const model = loadModel(values.model as string);
  const limit = values.limit === undefined ? {} : { limit: Number(values.limit), testLimit: 10000 };
  const data = loadDataset(values.data as string, limit);
  const threads = Number(values.threads);
  const evalLimit = values['eval-limit'] === undefined ? {} : { evalLimit: Number(values['eval-limit']) };
  const methodOptions = Object.fromEntries((values.option as string[]).map((kv) => {
    const [k, v] = kv.split('=') as [string, string];
    return [k, Number.isFinite(Number(v)) ? Number(v) : v];
  }));
  const dense = sparsityStats(model);
  const base = (await evaluate(model, data.test, { threads, ...(evalLimit.evalLimit === undefined ? {} : { limit: evalLimit.evalLimit }) })).top1Error;
  const targets: Array<[string, SparsityTarget]> = (values.sparsities as string).split(',').filter((s) => s !== '').map((s) => [`${(Number(s) * 100).toFixed(0)} %`, Number(s)]);
  const preset = HAN[model.graph.name];
  if (values.han === true && preset !== undefined) targets.push(['han', preset]);
  console.log(`baseline ${values.model}: test error ${(base * 100).toFixed(2)} % on ${data.test.count} samples; fine-tune ${values.epochs} epoch(s), lr ${values.lr}`);
  console.log('method      target  nonzero/params        ratio  w-ratio  pruned err  test err  Δ pp    seconds');
  for (const method of (values.methods as string).split(',')) {
    for (const [label, sparsity] of targets) {
      const r = await pruneAndRetrain(model, {
        method, sparsity, dataset: data, finetuneEpochs: Number(values.epochs), lr: Number(values.lr), threads, skipBaseline: true,
        schedule: { kind: 'cosine' }, methodOptions, ...evalLimit,
      });
      const s = r.stats;
      console.log([
        method.padEnd(11), label.padStart(6), `${s.modelNonzero}/${s.modelParams}`.padStart(15), `${(dense.modelParams / Math.max(1, s.modelNonzero)).toFixed(1)}x`.padStart(11),
        `${(dense.params / Math.max(1, s.nonzero)).toFixed(1)}x`.padStart(8), `${(r.prunedError * 100).toFixed(2)} %`.padStart(11), `${(r.afterError * 100).toFixed(2)} %`.padStart(9),
        `${((r.afterError - base) * 100 >= 0 ? '+' : '')}${((r.afterError - base) * 100).toFixed(2)}`.padStart(6), r.seconds.toFixed(0).padStart(9),
      ].join(' '));
    }
  }
}

await main();
