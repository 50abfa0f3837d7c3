/**
 * Hinton et al.'s MNIST distillation experiment in spirit: a trained teacher, a small MLP student (zoo
 * `mlp` at --student-width; 0.025 = 784-30-30-10) trained alone on the labels and distilled from the teacher
 * (soft targets at temperature T) with the same epochs, learning rate, schedule and seed; each reported as
 * test errors out of 10,000.
 *   node dist/bench/distill-mnist.js [--teacher runs/distill/lenet5.onnx] [--student-width 0.025]
 *        [--epochs 20] [--lr 0.01] [--kd-lr 0.01] [--temperature 20] [--alpha 0.9] [--threads 1] [--limit N] [--seed 1]
 *        [--train-mlp-teacher [--teacher-epochs 20] [--teacher-lr 0.02]]
 * --teacher is any trained ONNX classifier (e.g. the LeNet-5 baseline). With --train-mlp-teacher and no file
 * there yet, Hinton's large net (784-1200-1200-10, dropout 0.5 on the hidden layers, 0.2 on the input) is
 * trained first and saved there; `--only teacher` stops after that.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { distill } from '../src/compress/distill/index.js';
import { loadDataset } from '../src/data/load.js';
import type { Model } from '../src/ir/graph.js';
import { modelStats } from '../src/metrics/layer-stats.js';
import { loadModel } from '../src/onnx/index.js';
import { evaluate } from '../src/runtime/evaluate.js';
import { train } from '../src/train/trainer.js';
import type { TrainProgress } from '../src/train/types.js';
import { mlp } from '../src/zoo/index.js';

const log = (what: string) => (p: TrainProgress): void => {
  if (p.kind === 'epoch' && p.stats !== undefined) {
    const s = p.stats;
    process.stderr.write(`${what}: epoch ${s.epoch}/${p.epochs} loss ${s.trainLoss.toFixed(4)} test error ${(100 * s.testError).toFixed(2)}% (${s.seconds.toFixed(0)} s)\n`);
  }
};

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      teacher: { type: 'string', default: 'runs/distill/lenet5.onnx' },
      'train-mlp-teacher': { type: 'boolean', default: false },
      'teacher-epochs': { type: 'string', default: '20' },
      'teacher-lr': { type: 'string', default: '0.02' },
      'student-width': { type: 'string', default: '0.025' },
      epochs: { type: 'string', default: '20' },
      lr: { type: 'string', default: '0.01' },
      'kd-lr': { type: 'string', default: '0.01' },
      temperature: { type: 'string', default: '20' },
      alpha: { type: 'string', default: '0.9' },
      threads: { type: 'string', default: '1' },
      limit: { type: 'string' },
      seed: { type: 'string', default: '1' },
      only: { type: 'string' },
    },
  });
  const threads = Number(v.threads);
  const seed = Number(v.seed);
  const data = loadDataset('mnist', v.limit === undefined ? {} : { limit: Number(v.limit), testLimit: 10_000 });
  const common = { dataset: data, batchSize: 64, threads, seed, schedule: { kind: 'cosine' } as const };
  const teacherPath = v.teacher as string;
  let teacher: Model;
  if (existsSync(teacherPath)) {
    teacher = loadModel(teacherPath);
    process.stderr.write(`teacher loaded from ${teacherPath}\n`);
  } else {
    if (v['train-mlp-teacher'] !== true) throw new Error(`no teacher at ${teacherPath} (copy a trained model there, or pass --train-mlp-teacher)`);
    const r = await train({
      ...common, model: mlp({ dropout: 0.5, inputDropout: 0.2, seed }), epochs: Number(v['teacher-epochs']), lr: Number(v['teacher-lr']),
      output: teacherPath, onProgress: log('teacher'),
    });
    teacher = r.model;
  }
  if (v.only === 'teacher') return;
  const width = Number(v['student-width']);
  const student = (): Model => mlp({ width, seed: seed + 1 });
  const epochs = Number(v.epochs);
  const alone = await train({ ...common, model: student(), epochs, lr: Number(v.lr), onProgress: log('student alone') });
  const kd = await distill({
    ...common, method: 'kd', teacher, student: student(), epochs, lr: Number(v['kd-lr']),
    temperature: Number(v.temperature), alpha: Number(v.alpha), onProgress: log('student distilled'),
  });
  const rows: Array<[string, Model]> = [['teacher', teacher], ['student alone', alone.model], ['student distilled', kd.model]];
  process.stdout.write('model | params | test errors / 10,000 | test error\n');
  for (const [name, m] of rows) {
    const e = await evaluate(m, data.test, { threads });
    process.stdout.write(`${name} | ${modelStats(m).params.toLocaleString('en-US')} | ${Math.round(e.top1Error * e.count)} | ${(100 * e.top1Error).toFixed(2)} %\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
