/**
 * The training engine's first-batch check of blocked (NCHWc) convolutions, measured:
 *  1. how far a fresh ResNet-20's first training step moves when computed by the blocked kernels, and when the
 *     plain graph sees its input batch multiplied by 1 + 1e-6·sin(i) (the conditioning the check must allow);
 *  2. which layout train() ends up with for ResNet-20 / VGG / MobileNet with the detected block and a wrong one.
 * Usage: node dist/bench/lowering-check.js   (Fashion-MNIST; 64 images for 1., 128 for 2.)
 */
import { loadDataset } from '../src/data/load.js';
import type { Tensor } from '../src/ir/tensor.js';
import { decodeModel } from '../src/onnx/index.js';
import { accelerateConvs, nchwcBlockSize } from '../src/runtime/nchwc.js';
import { Session } from '../src/runtime/session.js';
import { TrainingFeeds } from '../src/train/feeds.js';
import { prepareTraining, train } from '../src/train/trainer.js';
import { buildZooModel } from '../src/zoo/index.js';

const block = await nchwcBlockSize();
console.log(`NCHWc block size read from onnxruntime: ${String(block)}`);
const model = buildZooModel('resnet20', { seed: 1 });
const req = prepareTraining({ model, dataset: 'fashion-mnist', epochs: 1 });
const ds = loadDataset('fashion-mnist', { limit: 64, testLimit: 10 });
const values = new Map<string, Float32Array>();
for (const s of [...req.info.params, ...req.info.buffers]) {
  values.set(s.name, Float32Array.from(model.graph.initializers.get(s.name)?.initializer?.toFloat32() ?? []));
}
const feeds = new TrainingFeeds(req.info, values, {}, 64);
feeds.setBatch(ds.train.images.subarray(0, 64 * 784), [64, 1, 28, 28], ds.train.labels.subarray(0, 64));
feeds.setScalar(req.info.scalars.lr, 0.01);
const plain = await Session.create(req.trainingGraph);
const want = await plain.run(feeds.feeds);

/** Largest |a − b| / max|b| over the outputs, and the output where it occurs. */
function worst(got: Record<string, Tensor>): string {
  let best = ['', 0] as [string, number];
  for (const [name, t] of Object.entries(want)) {
    const y = t.toFloat32();
    const x = (got[name] as Tensor).toFloat32();
    const scale = y.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
    const d = x.reduce((m, v, i) => Math.max(m, Math.abs(v - (y[i] as number))), 0) / scale;
    if (d > best[1]) best = [name, d];
  }
  return `${best[1].toExponential(2)} (${best[0]}); loss ${String(got[req.info.loss]?.toFloat32()[0])} vs ${String(want[req.info.loss]?.toFloat32()[0])}`;
}
if (block !== undefined) {
  const lowered = await Session.create((await accelerateConvs(decodeModel(req.trainingGraph))).model);
  console.log(`ResNet-20 first step, blocked vs plain: largest relative difference ${worst(await lowered.run(feeds.feeds))}`);
}
const x = feeds.feeds[req.info.input] as Tensor;
const d = x.data as Float32Array;
const saved = Float32Array.from(d);
for (let i = 0; i < d.length; i++) d[i] = (d[i] as number) * (1 + 1e-6 * Math.sin(i));
console.log(`ResNet-20 first step, plain with the batch × (1 + 1e-6·sin i): largest relative difference ${worst(await plain.run(feeds.feeds))}`);
d.set(saved);

const small = loadDataset('fashion-mnist', { limit: 128, testLimit: 64 });
for (const forced of [undefined, block === 8 ? 16 : 8]) {
  for (const arch of ['resnet20', 'vgg', 'mobilenet']) {
    const r = await train({
      model: buildZooModel(arch, { seed: 1 }), dataset: small, epochs: 1, inProcess: true,
      ...(forced === undefined ? {} : { nchwcBlockSize: forced }),
    });
    console.log(`${arch}, block ${forced === undefined ? 'detected' : `${forced} forced`}: ran ${r.convLayout}, ${r.warnings.length} warning(s)`);
  }
}
