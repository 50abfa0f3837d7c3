/**
 * Short probes of the MNIST distillation recipe: each config trains the zoo `mlp` student (width W) alone or
 * distilled from a teacher file, and prints its final and best test error.
 *   node dist/bench/distill-mnist-sweep.js --width 0.025 --epochs 10 \
 *     '{"teacher":"alone","lr":0.05}' '{"teacher":"runs/distill/lenet5.onnx","T":4,"alpha":0.9,"lr":0.01}' ...
 * Same recipe as distill-mnist.js otherwise (batch 64, SGD momentum 0.9, cosine, 1 thread, seed 1).
 */
import { parseArgs } from 'node:util';
import { distill } from '../src/compress/distill/index.js';
import { loadDataset } from '../src/data/load.js';
import { loadModel } from '../src/onnx/index.js';
import { train } from '../src/train/trainer.js';
import { mlp } from '../src/zoo/index.js';

interface Probe {
  readonly teacher: string;
  readonly lr: number;
  readonly T?: number;
  readonly alpha?: number;
}

async function main(): Promise<void> {
  const { values: v, positionals } = parseArgs({
    allowPositionals: true,
    options: { width: { type: 'string', default: '0.025' }, epochs: { type: 'string', default: '10' }, seed: { type: 'string', default: '1' } },
  });
  const data = loadDataset('mnist');
  const seed = Number(v.seed);
  const common = { dataset: data, batchSize: 64, threads: 1, seed, schedule: { kind: 'cosine' } as const, epochs: Number(v.epochs) };
  const student = (): ReturnType<typeof mlp> => mlp({ width: Number(v.width), seed: seed + 1 });
  for (const spec of positionals) {
    const p = JSON.parse(spec) as Probe;
    const t0 = Date.now();
    const r = p.teacher === 'alone'
      ? await train({ ...common, model: student(), lr: p.lr })
      : await distill({ ...common, method: 'kd', teacher: loadModel(p.teacher), student: student(), lr: p.lr, temperature: p.T ?? 4, alpha: p.alpha ?? 0.9 });
    const best = Math.min(...r.history.map((h) => h.testError));
    process.stdout.write(`${spec} | test error ${(100 * r.testError).toFixed(2)} % | best epoch ${(100 * best).toFixed(2)} % | ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
