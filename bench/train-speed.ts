/**
 * Training throughput, slimnet vs PyTorch (reference), same architecture, batch 64, 2 threads, interleaved
 * rounds. Usage (after `npm run setup` with SLIMNET_WITH_TORCH=1):
 *   node dist/bench/train-speed.js [--arch lenet5|resnet20] [--rounds 3] [--steps 100] [--spin]
 * --spin lets onnxruntime's idle workers spin between operators (PyTorch's OpenMP threads spin by default).
 * Prints images/s of every round for both and the ratio of the medians. Both sides are timed after warm-up:
 * PyTorch after 10 untimed steps on fixed tensors, slimnet in the second of two epochs of `steps` batches
 * through the ordinary `train()` loop (worker thread, shuffled batches copied from the data set).
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/data/load.js';
import type { Dataset, Split } from '../src/data/types.js';
import { train } from '../src/train/trainer.js';
import { Rng } from '../src/util/rng.js';

function syntheticSplit(count: number, seed: number): Split {
  const rng = new Rng(seed);
  const images = new Float32Array(count * 784);
  for (let i = 0; i < images.length; i++) images[i] = rng.normal();
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = rng.int(10);
  return { images, labels, count, sampleShape: [1, 28, 28] };
}

async function slimnetRound(arch: string, steps: number, batch: number, threads: number, spinning: boolean): Promise<number> {
  // Real MNIST images (random inputs with random labels make the Caffe LeNet-5 diverge at lr 0.01).
  const mnist = loadDataset('mnist', { limit: steps * batch, testLimit: batch });
  const dataset: Dataset = { ...mnist, test: syntheticSplit(batch, 2) };
  // Two epochs of `steps` batches: the first warms up (session start, arena growth), as PyTorch's side runs
  // warm-up steps before timing; the second epoch's throughput (shuffling and batch copies included) is reported.
  const r = await train({ model: arch, dataset, epochs: 2, batchSize: batch, threads, spinning, validate: false, seed: 0 });
  return r.history[1]?.imagesPerSecond ?? NaN;
}

function torchRound(arch: string, steps: number, batch: number, threads: number): number {
  const out = execFileSync('/usr/bin/python3', ['bench/torch_train_speed.py', '--arch', arch, '--steps', String(steps), '--batch', String(batch), '--threads', String(threads)], { encoding: 'utf8' });
  return (JSON.parse(out.trim().split('\n').pop() ?? '{}') as { images_per_s: number }).images_per_s;
}

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] as number;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { arch: { type: 'string', default: 'lenet5' }, rounds: { type: 'string', default: '3' }, steps: { type: 'string', default: '100' }, threads: { type: 'string', default: '2' }, spin: { type: 'boolean', default: false } } });
  const arch = values.arch as string;
  const rounds = Number(values.rounds);
  const steps = Number(values.steps);
  const threads = Number(values.threads);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let r = 1; r <= rounds; r++) {
    ours.push(await slimnetRound(arch, steps, 64, threads, values.spin === true));
    await new Promise((res) => setTimeout(res, 200));
    theirs.push(torchRound(arch, steps, 64, threads));
    console.log(`round ${r}: slimnet ${ours[r - 1]?.toFixed(0)} img/s, pytorch ${theirs[r - 1]?.toFixed(0)} img/s`);
  }
  const ratio = median(ours) / median(theirs);
  console.log(`${arch} batch 64, ${threads} threads${values.spin === true ? ' (spinning)' : ''}, ${steps} steps/round: slimnet median ${median(ours).toFixed(0)} img/s, pytorch median ${median(theirs).toFixed(0)} img/s, ratio ${ratio.toFixed(2)}x`);
}

await main();
