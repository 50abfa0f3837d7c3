/**
 * `slimnet deep-compress [model.onnx|zoo-name] --data D --out m.sldc`: prune → retrain → k-means share →
 * codebook fine-tune → Huffman-packed container (Han et al. 2016). A zoo name (default lenet5) is trained
 * first. Prints the error after each stage, the paper-style per-layer size table, and error / size /
 * ratio / latency of the result against the input.
 */
import { existsSync, readFileSync } from 'node:fs';
import { deepCompress } from '../../compress/coding/deep-compress.js';
import { formatSizeTable } from '../../compress/coding/size-table.js';
import { loadDataset } from '../../data/index.js';
import { SlimnetError } from '../../ir/errors.js';
import { saveModel } from '../../onnx/index.js';
import { formatInt, formatPercent } from '../../report/format.js';
import { formatMeasurement } from '../../report/measurement.js';
import { formatTable } from '../../report/table.js';
import { parseSchedule } from '../../train/schedule.js';
import { atomicWrite, checkWritable } from '../../util/atomic-write.js';
import { zooModelNames } from '../../zoo/index.js';
import { optInt, optNumber, optString, type Command, type ParsedOptions } from '../command.js';
import { resolveModel } from '../model-source.js';
import { progressPrinter } from './train.js';

function sparsityOf(o: ParsedOptions): number | Readonly<Record<string, number>> {
  const file = optString(o, 'per-layer');
  const spec = optString(o, 'sparsity') ?? '0.9';
  if (file === undefined && spec.includes('=')) {
    const kv = parseKeyValues(spec, 'sparsity');
    for (const [k, v] of Object.entries(kv)) if (typeof v !== 'number') throw new SlimnetError('INVALID_ARGUMENT', `--sparsity ${k}=${String(v)}: expected a number`);
    return kv as Record<string, number>;
  }
  if (file === undefined) return optNumber(o, 'sparsity', 0.9);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  } catch (e) {
    throw new SlimnetError('INVALID_ARGUMENT', `--per-layer '${file}': expected a JSON file of {layer: sparsity} (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** 'cycles=4,epochsPerCycle=2' -> { cycles: 4, epochsPerCycle: 2 } (numbers where they parse). */
export function parseKeyValues(spec: string | undefined, flag: string): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const part of (spec ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new SlimnetError('INVALID_ARGUMENT', `--${flag}: expected key=value pairs separated by commas, got '${part}'`);
    const v = part.slice(eq + 1);
    out[part.slice(0, eq)] = v === 'true' ? true : v === 'false' ? false : Number.isFinite(Number(v)) && v !== '' ? Number(v) : v;
  }
  return out;
}

export const deepCompressCommand: Command = {
  name: 'deep-compress',
  summary: 'Deep Compression: prune, retrain, k-means share, fine-tune codebooks, Huffman-pack (trains a zoo model first).',
  positionals: '[model.onnx|zoo-name]',
  options: {
    data: { type: 'string', placeholder: 'mnist|fashion-mnist|PATH', description: 'training / test data', default: 'mnist' },
    limit: { type: 'string', placeholder: 'N', description: 'use only the first N training and test samples (quick runs)' },
    'train-epochs': { type: 'string', placeholder: 'N', description: 'epochs to train a zoo model first', default: '3' },
    'train-lr': { type: 'string', placeholder: 'RATE', description: 'learning rate of that training (cosine)', default: '0.01' },
    prune: { type: 'string', placeholder: 'METHOD', description: 'unstructured pruning method (magnitude, iterative, agp...)', default: 'magnitude' },
    sparsity: { type: 'string', placeholder: 'F|L=F,...', description: 'fraction of weights removed in every layer, or per layer (fc1=0.92,fc2=0.91)', default: '0.9' },
    'per-layer': { type: 'string', placeholder: 'FILE', description: 'JSON file {layer: sparsity} instead of --sparsity' },
    'prune-options': { type: 'string', placeholder: 'K=V,...', description: 'pruning method options, e.g. cycles=4,epochsPerCycle=2' },
    'retrain-epochs': { type: 'string', placeholder: 'N', description: 'masked retraining epochs after pruning', default: '1' },
    'retrain-lr': { type: 'string', placeholder: 'RATE', description: 'retraining learning rate', default: '0.01' },
    'retrain-schedule': { type: 'string', placeholder: 'SPEC', description: 'lr schedule of the final retraining (constant | cosine[:min] | step:E[:g] ...)', default: 'constant' },
    'weight-decay': { type: 'string', placeholder: 'WD', description: 'weight decay while retraining' },
    'conv-bits': { type: 'string', placeholder: 'B', description: 'k-means index bits of conv layers', default: '8' },
    'fc-bits': { type: 'string', placeholder: 'B', description: 'k-means index bits of fully-connected layers', default: '5' },
    init: { type: 'string', placeholder: 'linear|density|random', description: 'centroid initialisation', default: 'linear' },
    'finetune-epochs': { type: 'string', placeholder: 'N', description: 'codebook fine-tuning epochs (0 = none)', default: '1' },
    'finetune-lr': { type: 'string', placeholder: 'RATE', description: 'codebook fine-tuning learning rate (centroid steps normalised per cluster)', default: '0.01' },
    'conv-gap-bits': { type: 'string', placeholder: 'B', description: 'relative-index bits of conv layers', default: '8' },
    'fc-gap-bits': { type: 'string', placeholder: 'B', description: 'relative-index bits of fully-connected layers', default: '4' },
    'batch-size': { type: 'string', placeholder: 'N', description: 'mini-batch size', default: '64' },
    threads: { type: 'string', placeholder: 'N', description: 'onnxruntime threads for training and evaluation', default: '2' },
    seed: { type: 'string', placeholder: 'N', description: 'seed of initial weights and batch order', default: '0' },
    'latency-runs': { type: 'string', placeholder: 'N', description: 'timed latency runs per model and batch size (0 = skip)', default: '50' },
    out: { type: 'string', placeholder: 'PATH', description: 'where to write the packed container (.sldc)' },
    'onnx-out': { type: 'string', placeholder: 'PATH', description: 'also write the compressed model as dense ONNX' },
    'model-out': { type: 'string', placeholder: 'PATH', description: 'when a zoo model is trained first: also save that trained model' },
  },
  details: 'Without a model argument LeNet-5 is trained first (--train-epochs). The container unpacks bit-exactly\n(slimnet unpack); its format is in src/compress/coding/FORMAT.md. Sizes are float32 dense bytes vs container bytes.',
  async run(positionals, o, io) {
    const spec = positionals[0] ?? 'lenet5';
    const out = optString(o, 'out');
    if (out === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet deep-compress: --out PATH is required (where to write the .sldc container)');
    const zooName = spec.startsWith('zoo:') ? spec.slice(4) : spec;
    const isZoo = !existsSync(spec) && zooModelNames().includes(zooName);
    const source = isZoo ? undefined : resolveModel(spec);
    const protect = source?.path === undefined ? [] : [source.path];
    const extra = [optString(o, 'onnx-out'), optString(o, 'model-out')].filter((p): p is string => p !== undefined);
    for (const p of [out, ...extra]) checkWritable(p, { protect });
    const limit = optString(o, 'limit') === undefined ? undefined : optInt(o, 'limit', 0);
    const data = loadDataset(optString(o, 'data') ?? 'mnist', limit === undefined ? {} : { limit });
    const wd = optNumber(o, 'weight-decay');
    const json = o.json === true;
    const r = await deepCompress(source?.model ?? zooName, {
      dataset: data, trainEpochs: isZoo ? optInt(o, 'train-epochs', 3) : 0, trainLr: optNumber(o, 'train-lr', 0.01),
      pruneMethod: optString(o, 'prune') ?? 'magnitude', pruneSparsity: sparsityOf(o), pruneOptions: parseKeyValues(optString(o, 'prune-options'), 'prune-options'),
      retrainEpochs: optInt(o, 'retrain-epochs', 1), retrainLr: optNumber(o, 'retrain-lr', 0.01), retrainSchedule: parseSchedule(optString(o, 'retrain-schedule') ?? 'constant'), ...(wd === undefined ? {} : { weightDecay: wd }),
      bits: { conv: optInt(o, 'conv-bits', 8), fc: optInt(o, 'fc-bits', 5) }, init: (optString(o, 'init') ?? 'linear') as 'linear' | 'density' | 'random',
      finetuneEpochs: optInt(o, 'finetune-epochs', 1), finetuneLr: optNumber(o, 'finetune-lr', 0.01),
      pack: { gapBits: { conv: optInt(o, 'conv-gap-bits', 8), fc: optInt(o, 'fc-gap-bits', 4) } },
      batchSize: optInt(o, 'batch-size', 64), threads: optInt(o, 'threads', 2), seed: optInt(o, 'seed', 0), latencyRuns: optInt(o, 'latency-runs', 50),
      ...(json ? {} : { onProgress: progressPrinter(), log: (m: string) => io.err(`deep-compress: ${m}`) }),
    });
    atomicWrite(out, r.bytes, { protect });
    const onnxOut = optString(o, 'onnx-out');
    if (onnxOut !== undefined) saveModel(r.model, onnxOut, { protect });
    const modelOut = optString(o, 'model-out');
    if (modelOut !== undefined) saveModel(r.input, modelOut, { protect });
    const label = source?.label ?? `zoo:${zooName} (trained ${optInt(o, 'train-epochs', 3)} epochs)`;
    if (json) {
      io.out(JSON.stringify({
        model: label, out, ...(onnxOut === undefined ? {} : { onnxOut }), seconds: r.seconds,
        errors: { input: r.errorBefore, prunedRetrained: r.errorPruned, shared: r.errorShared, final: r.errorAfter },
        sparsity: r.sparsity, pack: r.report, ratio: r.ratio, measurement: r.measurement,
      }, null, 2));
      return 0;
    }
    io.out(`${label}: deep compression on ${data.name} (${r.seconds.toFixed(0)} s)`);
    io.out(formatTable(
      [{ header: 'stage' }, { header: 'test error' }],
      [['input', formatPercent(r.errorBefore)], ['pruned + retrained', formatPercent(r.errorPruned)], ['k-means shared', formatPercent(r.errorShared)], ['codebooks fine-tuned', formatPercent(r.errorAfter)]],
    ));
    io.out(`pruned weights: ${formatInt(r.sparsity.params)} -> ${formatInt(r.sparsity.nonzero)} nonzero (${r.sparsity.ratio.toFixed(1)}x fewer)`);
    io.out('');
    io.out(formatSizeTable(r.report));
    io.out(`dense float32 weights ${formatInt(r.report.denseBytes)} B -> container ${formatInt(r.report.totalBytes)} B: ${r.ratio.toFixed(1)}x smaller`);
    io.out('');
    io.out(formatMeasurement(r.measurement).join('\n'));
    io.out(`saved ${out}${onnxOut === undefined ? '' : ` and ${onnxOut}`}${modelOut === undefined ? '' : ` (trained input: ${modelOut})`}`);
    return 0;
  },
};
