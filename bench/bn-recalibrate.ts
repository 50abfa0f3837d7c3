/**
 * BatchNorm re-estimation of a saved model: test error before and after recalibrateBatchNorm (exact population
 * statistics of the deployed weights on the first N training images), and how far the statistics moved.
 *   node dist/bench/bn-recalibrate.js [--data fashion-mnist] [--samples 2048] [--threads 1] [--out recal.onnx] model.onnx
 */
import { parseArgs } from 'node:util';
import { loadDataset } from '../src/data/load.js';
import { loadModel, saveModel } from '../src/onnx/index.js';
import { evaluate } from '../src/runtime/evaluate.js';
import { recalibrateBatchNorm } from '../src/train/batchnorm-stats.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { data: { type: 'string', default: 'fashion-mnist' }, samples: { type: 'string', default: '2048' }, threads: { type: 'string', default: '1' }, out: { type: 'string' } },
});
const path = positionals[0];
if (path === undefined) throw new Error('usage: bn-recalibrate.js [--data D] [--samples N] [--out PATH] model.onnx');
const threads = Number(values.threads);
const data = loadDataset(values.data as string);
const model = loadModel(path);
const before = await evaluate(model, data.test, { threads });
const t0 = Date.now();
const r = await recalibrateBatchNorm(model, { data: data.train, samples: Number(values.samples), threads });
const seconds = (Date.now() - t0) / 1000;
const after = await evaluate(r.model, data.test, { threads });
const worst = [...r.layers].sort((a, b) => b.maxVarianceRatio - a.maxVarianceRatio)[0];
console.log(`${path} on ${data.name} (${data.test.count} test images)`);
console.log(`  BatchNorms re-estimated: ${r.layers.length} in ${r.passes} passes over ${Math.min(Number(values.samples), data.train.count)} training images (${seconds.toFixed(1)} s)`);
if (worst !== undefined) console.log(`  largest change: '${worst.name}' variance ×${worst.maxVarianceRatio.toFixed(2)}, mean shift ${worst.maxMeanShift.toFixed(3)}`);
console.log(`  top-1 error ${(before.top1Error * 100).toFixed(2)} % -> ${(after.top1Error * 100).toFixed(2)} %`);
if (values.out !== undefined) {
  saveModel(r.model, values.out, { protect: [path] });
  console.log(`  saved ${values.out}`);
}
