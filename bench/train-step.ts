/**
 * Time of one training step of a zoo model's training graph in onnxruntime, with and without the blocked
 * (NCHWc) lowering of convolutions whose weights are run-time values. Fixed feeds, batch 64.
 * Usage: node dist/bench/train-step.js [--arch resnet20] [--threads 2] [--steps 15] [--warmup 5]
 * Prints ms per step (wall and process CPU) and the loss of the last warm-up step for both forms.
 */
import { parseArgs } from 'node:util';
import { decodeModel } from '../src/onnx/index.js';
import { accelerateConvs } from '../src/runtime/nchwc.js';
import { Session } from '../src/runtime/session.js';
import { Tensor } from '../src/ir/tensor.js';
import { prepareTraining } from '../src/train/trainer.js';
import type { Model } from '../src/ir/graph.js';

const { values } = parseArgs({ options: { arch: { type: 'string', default: 'resnet20' }, threads: { type: 'string', default: '2' }, steps: { type: 'string', default: '15' }, warmup: { type: 'string', default: '5' } } });
const batch = 64;
const req = prepareTraining({ model: values.arch as string, dataset: 'mnist', epochs: 1 });
const plain = decodeModel(req.trainingGraph);

function feeds(m: Model): Record<string, Tensor> {
  const f: Record<string, Tensor> = {};
  for (const v of m.graph.inputs) {
    if (m.graph.initializers.has(v.name)) continue;
    const dims = (v.shape ?? []).map((d) => (typeof d === 'number' ? d : batch));
    const size = dims.reduce((a, b) => a * b, 1);
    if (v.dtype === 'int64') f[v.name] = Tensor.i64(dims, Array.from({ length: size }, (_, i) => i % 10));
    else {
      const a = Array.from({ length: size }, (_, i) => Math.sin(i * 12.9898) * 0.05);
      if (v.name === req.info.scalars.lr) a[0] = 0.01;
      if (v.name.endsWith('var')) a.fill(1);
      f[v.name] = Tensor.f32(dims, a);
    }
  }
  return f;
}

async function time(m: Model, label: string): Promise<void> {
  const s = await Session.create(m, { threads: Number(values.threads) });
  const f = feeds(plain);
  let out: Record<string, Tensor> = {};
  for (let i = 0; i < Number(values.warmup); i++) out = await s.run(f);
  const steps = Number(values.steps);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await s.run(f);
  const wall = (performance.now() - t0) / steps;
  const c = process.cpuUsage(c0);
  await s.release();
  const loss = (out[req.info.loss]?.data as Float32Array | undefined)?.[0];
  console.log(`${values.arch} ${label} threads ${values.threads}: ${wall.toFixed(1)} ms/step wall, ${((c.user + c.system) / 1000 / steps).toFixed(1)} ms/step CPU, loss ${loss}`);
}

await time(plain, 'plain Conv');
const lowered = await accelerateConvs(decodeModel(req.trainingGraph));
await time(lowered.model, `blocked Conv (${lowered.model.graph.nodes.filter((n) => n.opType === 'ReorderOutput').length} convs lowered)`);
