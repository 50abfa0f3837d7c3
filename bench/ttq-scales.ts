/**
 * How far TTQ's learned scales moved during fine-tuning: per quantized layer, the initial W_p / W_n (TWN-style
 * threshold statistics of the float weights) against the values in the exported TTQ model.
 *   node dist/bench/ttq-scales.js --float runs/resnet20.onnx --ttq runs/binary/resnet20-ttq.onnx
 */
import { parseArgs } from 'node:util';
import { planBinary, ttqCodes } from '../src/compress/quantization/binary/index.js';
import { loadModel } from '../src/onnx/index.js';

const { values } = parseArgs({ options: { float: { type: 'string' }, ttq: { type: 'string' } } });
if (values.float === undefined || values.ttq === undefined) throw new Error('--float MODEL and --ttq MODEL are required');
const trained = loadModel(values.ttq);
console.log('| layer | W_p start | W_p end | ratio | W_n start | W_n end | ratio |\n|---|---|---|---|---|---|---|');
for (const l of planBinary(loadModel(values.float), 'ttq').layers) {
  const start = ttqCodes(l.layout.initial);
  const q = trained.graph.initializers.get(`${l.node}.weight`)?.initializer?.toFloat32();
  if (q === undefined) throw new Error(`${values.ttq} has no ${l.node}.weight`);
  const wp = q.reduce((a, v) => Math.max(a, v), 0);
  const wn = q.reduce((a, v) => Math.max(a, -v), 0);
  console.log(`| ${l.node} | ${start.wp.toFixed(4)} | ${wp.toFixed(4)} | ${(wp / start.wp).toFixed(3)} | ${start.wn.toFixed(4)} | ${wn.toFixed(4)} | ${(wn / start.wn).toFixed(3)} |`);
}
