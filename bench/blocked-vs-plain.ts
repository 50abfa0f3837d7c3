/**
 * Training with and without blocked (NCHWc) convolutions must reach the same test error: one run of each,
 * same seed and default settings, per architecture. Prints one line per run and the difference.
 * Usage: node dist/bench/blocked-vs-plain.js [--arch vgg,resnet20] [--data fashion-mnist] [--epochs 1]
 *        [--limit N] [--seed 1]
 */
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/data/load.js';
import { nchwcBlockSize } from '../src/runtime/nchwc.js';
import { train } from '../src/train/trainer.js';
import { buildZooModel } from '../src/zoo/index.js';

const { values } = parseArgs({
  options: {
    arch: { type: 'string', default: 'vgg,resnet20' },
    data: { type: 'string', default: 'fashion-mnist' },
    epochs: { type: 'string', default: '1' },
    limit: { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
});
const seed = Number(values.seed);
const dataset = loadDataset(values.data as string, values.limit === undefined ? {} : { limit: Number(values.limit) });
console.log(`NCHWc block size read from onnxruntime: ${String(await nchwcBlockSize())}`);
for (const arch of (values.arch as string).split(',')) {
  const errors: number[] = [];
  for (const blockedConvs of [true, false]) {
    const t0 = performance.now();
    const r = await train({ model: buildZooModel(arch, { seed }), dataset, epochs: Number(values.epochs), seed, blockedConvs });
    const last = r.history[r.history.length - 1];
    errors.push(r.testError);
    console.log(`${arch} blockedConvs=${String(blockedConvs)} (ran ${r.convLayout}): test error ${(100 * r.testError).toFixed(2)} %, ` +
      `${last?.imagesPerSecond.toFixed(0) ?? '?'} img/s, ${((performance.now() - t0) / 1000).toFixed(0)} s` +
      (r.warnings.length > 0 ? `; warnings: ${r.warnings.join('; ')}` : ''));
  }
  console.log(`${arch}: blocked − plain = ${(100 * ((errors[0] as number) - (errors[1] as number))).toFixed(2)} pp`);
}
