/**
 * Unstructured pruning, Han et al. 2015 style: how far can each method prune a trained model while the
 * test error stays within `--margin` percentage points of the baseline?
 *
 *  - magnitude / obd / obs: an iterative ladder (Han's prune → retrain cycles). Each rung prunes further
 *    with the method's criterion (earlier zeros stay), retrains with masks for `--epochs` (one count, or one
 *    per rung with the last repeating; cosine decay from `--lr`, restarted per rung), and is evaluated on the whole test split;
 *  - agp: one gradual-pruning run per final sparsity in `--targets` (cubic schedule over `--agp-steps`
 *    epochs, then `--recovery` epochs; one cosine schedule over the whole run); the pruning step is global
 *    magnitude, or OBD / L-OBS with `--option criterion=obd|obs`;
 *  - data-free: Srinivas & Babu neuron merging at each unit ratio in `--targets`, no data, no retraining
 *    (`--epochs N` adds an N-epoch fine-tuning column).
 * `ratio` = all parameters of the baseline / nonzero parameters (biases included, as Han et al. count);
 * `w-ratio` counts the prunable weights only. The best rung within the margin is reported at the end and
 * saved with `--out` (an ONNX model with exact zeros). Rungs are selected on the test split, as in the papers.
 *
 *   node dist/bench/prune-unstructured.js --model runs/lenet-300-100.onnx --method magnitude
 *     [--ladder 0.5,0.7,0.8,0.85,0.9,0.92,0.94] [--targets 0.9,0.92] [--epochs 3 | 3,3,10] [--lr 0.01] [--wd 0]
 *     [--batch 64] [--scope global] [--agp-steps 10] [--recovery 4] [--margin 0.1] [--stop-after 2]
 *     [--option key=value ...] [--threads 1] [--seed 0] [--out best.onnx]
 */
import { parseArgs } from 'node:util';
import { sparsityStats, type SparsityStats } from '../src/compress/pruning/common/sparsity.js';
import { dataFreePrune } from '../src/compress/pruning/unstructured/data-free.js';
import type { AnyOptionValues, RawOptions } from '../src/compress/options.js';
import { effectiveMethodOptions, unstructuredMethod } from '../src/compress/pruning/unstructured/methods.js';
import { agpPrune, finetune, iterativePrune, magnitudeStep, type PruneStep } from '../src/compress/pruning/unstructured/retrain.js';
import type { RetrainOptions } from '../src/compress/pruning/unstructured/types.js';
import { loadDataset } from '../src/data/load.js';
import type { Model } from '../src/ir/graph.js';
import { loadModel, saveModel } from '../src/onnx/index.js';
import { evaluate } from '../src/runtime/evaluate.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'runs/lenet-300-100.onnx' }, data: { type: 'string', default: 'mnist' },
    method: { type: 'string', default: 'magnitude' },
    ladder: { type: 'string', default: '0.5,0.7,0.8,0.85,0.88,0.9,0.92,0.93,0.94,0.95,0.96' },
    targets: { type: 'string', default: '0.9,0.92,0.94' },
    epochs: { type: 'string', default: '3' }, lr: { type: 'string', default: '0.01' }, wd: { type: 'string', default: '0' },
    batch: { type: 'string', default: '64' }, scope: { type: 'string', default: 'global' },
    'agp-steps': { type: 'string', default: '10' }, recovery: { type: 'string', default: '4' },
    margin: { type: 'string', default: '0.1' }, 'stop-after': { type: 'string', default: '2' },
    option: { type: 'string', multiple: true, default: [] }, threads: { type: 'string', default: '1' }, seed: { type: 'string', default: '0' },
    out: { type: 'string' },
  },
});

const list = (s: string): number[] => s.split(',').filter((x) => x !== '').map(Number);
const pct = (e: number): string => `${(e * 100).toFixed(2)} %`;
const threads = Number(values.threads);
const data = loadDataset(values.data as string);
const base = loadModel(values.model as string);
const dense = sparsityStats(base);
const epochList = list(values.epochs as string);
const epochs = epochList[0] ?? 0;
/** Epochs of rung c (1-based): the list's c-th entry, the last one repeating. */
const rungEpochs = (c: number): number => epochList[Math.min(c, epochList.length) - 1] ?? 0;
const margin = Number(values.margin) / 100;
const retrain: RetrainOptions = {
  dataset: data, lr: Number(values.lr), weightDecay: Number(values.wd), batchSize: Number(values.batch), threads, seed: Number(values.seed),
  schedule: { kind: 'cosine' },
};
const options: RawOptions = {
  scope: values.scope as string,
  ...Object.fromEntries((values.option as string[]).map((kv) => {
    const [k = '', v = ''] = kv.split('=');
    return [k, Number.isFinite(Number(v)) && v !== '' ? Number(v) : v];
  })),
};
const t0 = Date.now();
const testError = async (m: Model): Promise<number> => (await evaluate(m, data.test, { threads })).top1Error;
const baseError = await testError(base);

interface Row { label: string; stats: SparsityStats; error: number; epochs: number; model: Model }
const rows: Row[] = [];
function report(r: Row): void {
  rows.push(r);
  const s = r.stats;
  console.log([
    r.label.padEnd(10), `${(s.sparsity * 100).toFixed(1)} %`.padStart(7), `${s.modelNonzero}/${dense.modelParams}`.padStart(15),
    `${(dense.modelParams / Math.max(1, s.modelNonzero)).toFixed(1)}x`.padStart(7), `${(dense.params / Math.max(1, s.nonzero)).toFixed(1)}x`.padStart(7),
    pct(r.error).padStart(8), `${r.error - baseError >= 0 ? '+' : ''}${((r.error - baseError) * 100).toFixed(2)}`.padStart(6),
    String(r.epochs).padStart(6), ((Date.now() - t0) / 1000).toFixed(0).padStart(7),
  ].join('  '));
}

console.log(`${values.model}: ${values.method}, baseline test error ${pct(baseError)} (${data.test.count} test samples); ${dense.modelParams} parameters, ${dense.params} prunable weights`);
console.log(`retraining: ${values.epochs} epoch(s) per rung, lr ${values.lr} cosine, weight decay ${values.wd}, batch ${values.batch}; options ${JSON.stringify(options)}`);
console.log('rung        sparsity  nonzero/params    ratio  w-ratio  test err  Δ pp  epochs  seconds');

/** AGP's pruning step: global magnitude, or the registry step named by `--option criterion=obd|obs`. */
function agpStep(): PruneStep {
  const c = options['criterion'];
  if (c === undefined) return magnitudeStep({ scope: options['scope'] === 'layer' ? 'layer' : 'global' });
  const m = unstructuredMethod(String(c));
  if (m.step === undefined) throw new Error(`'${String(c)}' has no pruning step`);
  return m.step({ data, retrain, options: stepOptions(m.name) });
}

/** The options of step `name`, checked against its schema (the schedule's `criterion` is the bench's own). */
function stepOptions(name: string): AnyOptionValues {
  const rest = Object.fromEntries(Object.entries(options).filter(([k]) => k !== 'criterion'));
  return effectiveMethodOptions(name, rest, 0.5);
}

const method = values.method as string;
if (method === 'agp') {
  for (const target of list(values.targets as string)) {
    const steps = Number(values['agp-steps']);
    const recovery = Number(values.recovery);
    const r = await agpPrune(base, {
      sparsity: target, steps, recoveryEpochs: recovery, retrain, step: agpStep(),
      onSegment: (epoch, r) => void process.stderr.write(`agp ${target}: epoch ${epoch}/${steps + recovery}, sparsity ${(r.stats.sparsity * 100).toFixed(1)} %, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`),
    });
    report({ label: `agp${options['criterion'] === undefined ? '' : `-${String(options['criterion'])}`} ${target}`, stats: r.stats, error: await testError(r.model), epochs: steps + recovery, model: r.model });
  }
} else if (method === 'data-free') {
  for (const ratio of list(values.targets as string)) {
    const r = dataFreePrune(base, { ratio });
    const stats = sparsityStats(r.model);
    report({ label: `merge ${ratio}`, stats, error: await testError(r.model), epochs: 0, model: r.model });
    if (epochs > 0) {
      const tuned = await finetune(r.model, {}, epochs, retrain, { seedOffset: 1 });
      report({ label: `  +tune`, stats: sparsityStats(tuned), error: await testError(tuned), epochs, model: tuned });
    }
  }
} else {
  const m = unstructuredMethod(method);
  if (m.step === undefined) throw new Error(`method '${method}' has no pruning step for a ladder`);
  const step = m.step({ data, retrain, options: stepOptions(m.name) });
  const ladder = list(values.ladder as string);
  let above = 0;
  await iterativePrune(base, {
    sparsity: ladder[ladder.length - 1] as number, sparsities: ladder, epochsPerCycle: ladder.map((_, i) => rungEpochs(i + 1)), retrain, step,
    onCycle: async (c, r) => {
      const error = await testError(r.model);
      report({ label: `${method} ${c}`, stats: r.stats, error, epochs: ladder.slice(0, c).reduce((a, _, i) => a + rungEpochs(i + 1), 0), model: r.model });
      above = error - baseError > margin + 1e-9 ? above + 1 : 0;
      return above >= Number(values['stop-after']) ? 'stop' : undefined;
    },
  });
}

const ok = rows.filter((r) => r.error - baseError <= margin + 1e-9);
const best = ok.reduce<Row | undefined>((b, r) => (b === undefined || r.stats.modelNonzero < b.stats.modelNonzero ? r : b), undefined);
if (best === undefined) console.log(`no rung within +${values.margin} pp of the baseline`);
else {
  console.log(`highest ratio within +${values.margin} pp: ${(dense.modelParams / best.stats.modelNonzero).toFixed(1)}x all parameters, ` +
    `${(dense.params / best.stats.nonzero).toFixed(1)}x prunable weights (${best.label}), test error ${pct(baseError)} -> ${pct(best.error)}`);
  console.log(`per layer: ${best.stats.layers.map((l) => `${l.layer} ${(l.sparsity * 100).toFixed(1)} %`).join(', ')}`);
  if (values.out !== undefined) {
    saveModel(best.model, values.out, { protect: [values.model as string] });
    console.log(`saved ${values.out}`);
  }
}
