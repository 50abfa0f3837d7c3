/**
 * Training-loss trajectory check against PyTorch (reference) from the same initial weights on the same
 * batches: slimnet's ONNX-generated training step vs torch autograd, SGD momentum 0.9, lr 0.01.
 *   node dist/bench/loss-trajectory.js [--arch lenet5|resnet20] [--steps 50]
 * Prints both losses per step and the largest relative difference.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encodeNpy } from '../src/data/npy.js';
import { loadDataset } from '../src/data/load.js';
import { Tensor } from '../src/ir/tensor.js';
import { saveModel } from '../src/onnx/index.js';
import { Session } from '../src/runtime/session.js';
import { TrainingFeeds } from '../src/train/feeds.js';
import { prepareTraining } from '../src/train/trainer.js';
import { buildZooModel } from '../src/zoo/index.js';

const { values } = parseArgs({ options: { arch: { type: 'string', default: 'lenet5' }, steps: { type: 'string', default: '50' }, dir: { type: 'string', default: 'runs/trajectory' } } });
const arch = values.arch as string;
const steps = Number(values.steps);
const dir = values.dir as string;
const batch = 64;
mkdirSync(dir, { recursive: true });

const model = buildZooModel(arch, { seed: 0 });
saveModel(model, `${dir}/${arch}-init.onnx`, { externalData: false });
const data = loadDataset('mnist', { limit: steps * batch, testLimit: 1 }).train;
writeFileSync(`${dir}/x.npy`, encodeNpy('f4', [data.count, 1, 28, 28], data.images));
writeFileSync(`${dir}/y.npy`, encodeNpy('i4', [data.count], data.labels));

const req = prepareTraining({ model, dataset: 'mnist', epochs: 1, lr: 0.01, momentum: 0.9, batchSize: batch });
const init = new Map<string, Float32Array>();
for (const [name, v] of model.graph.initializers) if (v.initializer !== undefined) init.set(name, Float32Array.from(v.initializer.toFloat32()));
const feeds = new TrainingFeeds(req.info, init, {}, batch);
const session = await Session.create(req.trainingGraph, { threads: 2 });
const ours: number[] = [];
for (let s = 0; s < steps; s++) {
  const x = data.images.subarray(s * batch * 784, (s + 1) * batch * 784);
  feeds.setBatch(x, [batch, 1, 28, 28], data.labels.subarray(s * batch, (s + 1) * batch));
  feeds.setScalar(req.info.scalars.lr, 0.01);
  const out = await session.run(feeds.feeds);
  ours.push((out[req.info.loss] as Tensor).toNumbers()[0] as number);
  feeds.absorb(out);
}
const py = execFileSync('/usr/bin/python3', ['bench/torch_trajectory.py', arch, `${dir}/${arch}-init.onnx`, `${dir}/x.npy`, `${dir}/y.npy`, String(steps)], { encoding: 'utf8' });
const theirs = JSON.parse(py) as number[];
let worst = 0;
ours.forEach((l, i) => {
  const t = theirs[i] as number;
  worst = Math.max(worst, Math.abs(l - t) / Math.abs(t));
  if (i % 5 === 0 || i === steps - 1) console.log(`step ${String(i + 1).padStart(3)}  slimnet ${l.toFixed(6)}  pytorch ${t.toFixed(6)}`);
});
console.log(`${arch}: ${steps} steps, largest relative loss difference ${worst.toExponential(2)}`);
