/**
 * Bit-width table: fixed point (weights and activations at the same width, dynamic fixed point by default)
 * without and with STE fine-tuning, and k-means weight sharing without and with codebook fine-tuning, each
 * row the test error and its increase over the float model, plus the packed size where there is one.
 *   node dist/bench/bit-width.js --model runs/lenet5.onnx [--data mnist] [--fixed 16,8,6,4] [--kmeans 8,5,4,3,2]
 *     [--ft-epochs 1] [--ft-limit N (fine-tune on the first N training samples)] [--lr 0.001 (fixed point)]
 *     [--kmeans-lr 0.2 (codebooks; steps normalised per cluster)] [--scheme dynamic]
 *     [--threads 1] [--no-ft]
 */
import { parseArgs } from 'node:util';
import { quantize } from '../src/compress/quantization/quantize.js';
import { encodeModel, loadModel } from '../src/onnx/index.js';
import { loadDataset } from '../src/data/load.js';
import { evaluate } from '../src/runtime/evaluate.js';

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;
const pp = (x: number, base: number): string => `${x >= base ? '+' : ''}${(100 * (x - base)).toFixed(2)}`;

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      model: { type: 'string', default: 'runs/lenet5.onnx' }, data: { type: 'string', default: 'mnist' },
      fixed: { type: 'string', default: '16,8,6,4' }, kmeans: { type: 'string', default: '8,5,4,3,2' },
      'ft-epochs': { type: 'string', default: '1' }, 'ft-limit': { type: 'string' }, lr: { type: 'string', default: '0.001' }, 'kmeans-lr': { type: 'string', default: '0.2' },
      scheme: { type: 'string', default: 'dynamic' }, threads: { type: 'string', default: '1' }, 'no-ft': { type: 'boolean', default: false },
    },
  });
  const t0 = Date.now();
  const threads = Number(v.threads);
  const model = loadModel(v.model as string);
  const data = loadDataset(v.data as string);
  const ftData = v['ft-limit'] === undefined ? data : loadDataset(v.data as string, { limit: Number(v['ft-limit']), testLimit: data.test.count });
  const base = (await evaluate(model, data.test, { threads })).top1Error;
  const dense = encodeModel(model).length;
  const epochs = v['no-ft'] === true ? 0 : Number(v['ft-epochs']);
  console.log(`${v.model} on ${data.name}: float test error ${pct(base)}, ${dense} B ONNX; fine-tuning ${epochs} epoch(s) on ${ftData.train.count} samples, lr ${v.lr} (k-means ${v['kmeans-lr']})`);
  console.log('method  bits W/A   error (no FT)    Δ pp   error (FT)     Δ pp   packed B   ratio');
  const run = async (method: string, options: Record<string, string>, ft: boolean): Promise<{ error: number; packed?: number }> => {
    const lr = method === 'kmeans' ? v['kmeans-lr'] as string : v.lr as string;
    const r = await quantize(model, {
      method, options: { ...options, ...(ft ? { finetuneEpochs: String(epochs), lr } : {}) }, data: ft ? ftData : data, threads,
      measure: false,
    });
    const error = (await evaluate(r.model, data.test, { threads })).top1Error;
    return { error, ...(r.packed === undefined ? {} : { packed: r.packed.bytes.length }) };
  };
  const row = (method: string, bits: string, a: { error: number; packed?: number }, b: { error: number } | undefined): void => {
    const packed = a.packed === undefined ? '-' : String(a.packed);
    const ratio = a.packed === undefined ? '-' : `${(dense / a.packed).toFixed(1)}x`;
    console.log([
      method.padEnd(7), bits.padEnd(9), pct(a.error).padStart(13), pp(a.error, base).padStart(7),
      (b === undefined ? '-' : pct(b.error)).padStart(12), (b === undefined ? '-' : pp(b.error, base)).padStart(8), packed.padStart(10), ratio.padStart(7),
    ].join(' '));
  };
  for (const bits of (v.fixed as string).split(',').filter((s) => s !== '')) {
    const options = { weightBits: bits, activationBits: bits, scheme: v.scheme as string };
    const a = await run('fixed', options, false);
    row('fixed', `${bits}/${bits}`, a, epochs > 0 ? await run('fixed', options, true) : undefined);
  }
  for (const bits of (v.kmeans as string).split(',').filter((s) => s !== '')) {
    const a = await run('kmeans', { bits, finetuneEpochs: '0' }, false);
    row('kmeans', `${bits}/32`, a, epochs > 0 ? await run('kmeans', { bits }, true) : undefined);
  }
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

await main();
