/**
 * FitNets and attention transfer compared on Fashion-MNIST: one trained CNN teacher, one thin/shallow CNN
 * student trained alone and distilled with kd / fitnets / at, all with the same epochs, schedule and seed.
 *   node dist/bench/distill-fashion.js --teacher runs/distill/resnet20.onnx [--methods alone,kd,fitnets,at]
 *        [--student resnet8] [--width 0.5] [--epochs 5] [--hint-epochs 1] [--lr 0.05] [--limit N] [--threads 1]
 * Methods: alone (labels only), kd, fitnets, at (cross-entropy + AT), at+kd (AT plus the kd soft targets).
 * Students: 'resnet8' (the zoo ResNet with one block per stage) or any zoo name (built with --width).
 * Prints one row per method (test error on the 10,000 test images) and the teacher's test error.
 */
import { parseArgs } from 'node:util';
import { distill, type DistillOptions } from '../src/compress/distill/index.js';
import { loadDataset } from '../src/data/load.js';
import type { Model } from '../src/ir/graph.js';
import { modelStats } from '../src/metrics/layer-stats.js';
import { loadModel } from '../src/onnx/index.js';
import { evaluate } from '../src/runtime/evaluate.js';
import { train } from '../src/train/trainer.js';
import type { TrainProgress } from '../src/train/types.js';
import { buildZooModel, resnet20 } from '../src/zoo/index.js';

const log = (what: string) => (p: TrainProgress & { stage?: string }): void => {
  if (p.kind === 'epoch' && p.stats !== undefined) {
    const s = p.stats;
    const test = Number.isNaN(s.testError) ? '' : ` test error ${(100 * s.testError).toFixed(2)}%`;
    process.stderr.write(`${what}${p.stage === 'hint' ? ' (hint stage)' : ''}: epoch ${s.epoch}/${p.epochs} loss ${s.trainLoss.toFixed(4)}${test} (${s.seconds.toFixed(0)} s, ${s.imagesPerSecond.toFixed(0)} img/s)\n`);
  }
};

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      teacher: { type: 'string', default: 'runs/distill/resnet20.onnx' },
      methods: { type: 'string', default: 'alone,kd,fitnets,at' },
      student: { type: 'string', default: 'resnet8' },
      width: { type: 'string', default: '0.5' },
      epochs: { type: 'string', default: '5' },
      'hint-epochs': { type: 'string', default: '1' },
      lr: { type: 'string', default: '0.05' },
      'weight-decay': { type: 'string', default: '0.0005' },
      temperature: { type: 'string', default: '4' },
      alpha: { type: 'string', default: '0.9' },
      beta: { type: 'string', default: '1000' },
      limit: { type: 'string' },
      threads: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
    },
  });
  const threads = Number(v.threads);
  const seed = Number(v.seed);
  const width = Number(v.width);
  const data = loadDataset('fashion-mnist', v.limit === undefined ? {} : { limit: Number(v.limit), testLimit: 10_000 });
  const teacher = loadModel(v.teacher as string);
  const student = (): Model => (v.student === 'resnet8' ? resnet20({ blocksPerStage: 1, width, seed }) : buildZooModel(v.student as string, { width, seed }));
  const common = {
    dataset: data, batchSize: 64, threads, seed, lr: Number(v.lr), weightDecay: Number(v['weight-decay']), schedule: { kind: 'cosine' } as const,
    epochs: Number(v.epochs),
  };
  const soft = { temperature: Number(v.temperature), alpha: Number(v.alpha) };
  const rows: string[] = [];
  for (const method of (v.methods as string).split(',')) {
    const t0 = Date.now();
    let model: Model;
    if (method === 'alone') {
      model = (await train({ ...common, model: student(), onProgress: log(method) })).model;
    } else {
      const extra: Record<string, unknown> = method === 'at' ? { beta: Number(v.beta) }
        : method === 'at+kd' ? { beta: Number(v.beta), ...soft }
          : method === 'fitnets' ? { ...soft, hintEpochs: Number(v['hint-epochs']) } : soft;
      const name = method === 'at+kd' ? 'at' : method;
      model = (await distill({ ...common, ...extra, method: name, teacher, student: student(), onProgress: log(method) } as DistillOptions)).model;
    }
    const seconds = (Date.now() - t0) / 1000;
    const e = await evaluate(model, data.test, { threads });
    rows.push(`${method} | ${(100 * e.top1Error).toFixed(2)} % | ${seconds.toFixed(0)} s`);
    process.stderr.write(`${method}: test error ${(100 * e.top1Error).toFixed(2)} %\n`);
  }
  const te = await evaluate(teacher, data.test, { threads });
  const s = student();
  process.stdout.write(`teacher ${v.teacher as string}: ${modelStats(teacher).params.toLocaleString('en-US')} params, ${(modelStats(teacher).macs / 1e6).toFixed(1)} M MACs, test error ${(100 * te.top1Error).toFixed(2)} %\n`);
  process.stdout.write(`student ${v.student as string} width ${width}: ${modelStats(s).params.toLocaleString('en-US')} params, ${(modelStats(s).macs / 1e6).toFixed(1)} M MACs\n`);
  process.stdout.write('method | student test error | training time\n');
  for (const r of rows) process.stdout.write(`${r}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
