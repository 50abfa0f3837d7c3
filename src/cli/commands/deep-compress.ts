/**
 * `slimnet deep-compress [model.onnx|zoo-name] --data D --out m.sldc`: prune → retrain → k-means share →
 * codebook fine-tune → Huffman-packed container (Han et al. 2016). A zoo name (default lenet5) is trained
 * first. Prints the error after each stage, the paper-style per-layer size table, and error / size /
 * ratio / latency of the result against the input.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  DEEP_COMPRESS_DEFAULTS as D, deepCompress, deepCompressSettings, type DeepCompressOptions, type DeepCompressSettings,
} from '../../compress/coding/deep-compress.js';
import { formatSizeTable } from '../../compress/coding/size-table.js';
import { loadDataset } from '../../data/index.js';
import { SlimnetError } from '../../ir/errors.js';
import { saveModel } from '../../onnx/index.js';
import { formatInt, formatPercent } from '../../report/format.js';
import { formatMeasurement } from '../../report/measurement.js';
import { formatTable } from '../../report/table.js';
import { formatSchedule, parseSchedule } from '../../train/schedule.js';
import { atomicWrite, checkWritable } from '../../util/atomic-write.js';
import { zooModelNames } from '../../zoo/index.js';
import {
  COUNT, NON_NEGATIVE, optInt, optNumber, optString, POSITIVE, POSITIVE_INT, SEED, type Command, type NumericRule,
  type ParsedOptions,
} from '../command.js';
import { loadDataFor } from '../data-source.js';
import { resolveModel } from '../model-source.js';
import { ratioMap } from './prune.js';
import { trainingProgress } from '../progress.js';

/** k-means index bits and relative-index bits: integers in [1, 16]. */
const BITS: NumericRule = { kind: 'integer', min: 1, max: 16 };

/** --sparsity / --per-layer: undefined (the default), one global target, or per-layer sparsities. */
function sparsityOf(o: ParsedOptions): number | Readonly<Record<string, number>> | undefined {
  const file = optString(o, 'per-layer');
  const spec = optString(o, 'sparsity');
  if (file === undefined && spec !== undefined && spec.includes('=')) {
    return ratioMap(parseKeyValues(spec, 'sparsity'), '--sparsity');
  }
  if (file === undefined) {
    const v = optNumber(o, 'sparsity');
    if (v !== undefined && !(v >= 0 && v < 1)) {
      throw new SlimnetError('INVALID_ARGUMENT', `--sparsity must be a fraction in [0, 1), got '${spec ?? ''}'`);
    }
    return v;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SlimnetError('INVALID_ARGUMENT', `--per-layer '${file}': expected a JSON file of {layer: sparsity} (${e instanceof Error ? e.message : String(e)})`);
  }
  return ratioMap(parsed, `--per-layer '${file}'`);
}

/** Every pipeline option the flags give (all parsed and range-checked; the data set is added by the caller). */
function pipelineFlags(o: ParsedOptions, isZoo: boolean): Omit<DeepCompressOptions, 'dataset'> {
  const num = (k: string): number | undefined => optNumber(o, k);
  const int = (k: string): number | undefined => (optString(o, k) === undefined ? undefined : optInt(o, k, 0));
  const given = <T>(key: string, v: T | undefined): Record<string, T> => (v === undefined ? {} : { [key]: v });
  const sched = optString(o, 'retrain-schedule');
  const init = optString(o, 'init');
  if (init !== undefined && init !== 'linear' && init !== 'density' && init !== 'random') {
    throw new SlimnetError('INVALID_ARGUMENT', `--init must be linear, density or random, got '${init}'`);
  }
  const trainEpochs = isZoo ? optInt(o, 'train-epochs', 3) : 0;
  if (isZoo && trainEpochs === 0) {
    throw new SlimnetError('INVALID_ARGUMENT', '--train-epochs 0: a zoo model must be trained first');
  }
  return {
    trainEpochs, ...given('trainLr', num('train-lr')),
    ...given('pruneMethod', optString(o, 'prune')), ...given('pruneSparsity', sparsityOf(o)),
    pruneOptions: parseKeyValues(optString(o, 'prune-options'), 'prune-options'),
    ...given('retrainEpochs', int('retrain-epochs')), ...given('retrainLr', num('retrain-lr')),
    ...given('retrainSchedule', sched === undefined ? undefined : parseSchedule(sched)),
    ...given('weightDecay', num('weight-decay')),
    bits: { ...given('conv', int('conv-bits')), ...given('fc', int('fc-bits')) }, ...given('init', init),
    ...given('finetuneEpochs', int('finetune-epochs')), ...given('finetuneLr', num('finetune-lr')),
    pack: { gapBits: { ...given('conv', int('conv-gap-bits')), ...given('fc', int('fc-gap-bits')) } },
    ...given('batchSize', int('batch-size')), threads: optInt(o, 'threads', 2), ...given('seed', int('seed')),
    latencyRuns: optInt(o, 'latency-runs', 50),
  };
}

/** The settings of a run on a few lines (printed with the results). */
export function formatDeepCompressSettings(s: DeepCompressSettings): string[] {
  const kv = (o: object): string => Object.entries(o).map(([k, v]) => `${k} ${String(v)}`).join(', ');
  const sparsity = typeof s.pruneSparsity === 'number'
    ? `${formatPercent(s.pruneSparsity, 1)} of the weights`
    : Object.entries(s.pruneSparsity).map(([k, v]) => `${k} ${formatPercent(v, 1)}`).join(', ');
  const bits = typeof s.bits === 'number' ? `${s.bits}` : `conv ${s.bits.conv}, fc ${s.bits.fc}`;
  const gap = typeof s.gapBits === 'number' ? `${s.gapBits}` : kv(s.gapBits);
  const first = s.trainEpochs > 0 ? `train ${s.trainEpochs} epoch(s) (slimnet train's settings), then ` : '';
  return [
    `settings: ${first}prune ${s.pruneMethod} (${kv(s.pruneOptions)}) to ${sparsity}; retrain ${s.retrainEpochs} epoch(s), `
      + `SGD lr ${s.retrainLr} ${formatSchedule(s.retrainSchedule)}, weight decay ${s.weightDecay}, `
      + `batch ${s.batchSize}, seed ${s.seed}`,
    `          k-means bits ${bits} (${s.init} init), codebook fine-tuning ${s.finetuneEpochs} epoch(s) `
      + `at lr ${s.finetuneLr}; relative-index bits ${gap}`,
  ];
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
    data: {
      type: 'string', placeholder: 'mnist|fashion-mnist|PATH', default: 'mnist',
      description: 'training / test data',
    },
    limit: {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'use only the first N training and test samples (quick runs)',
    },
    validation: {
      type: 'string', placeholder: 'N', numeric: COUNT,
      description: 'hold out the last N training samples: train on the rest, report errors on them (not the test split)',
    },
    'train-epochs': {
      type: 'string', placeholder: 'N', numeric: COUNT, default: '3',
      description: 'epochs to train a zoo model first',
    },
    'train-lr': {
      type: 'string', placeholder: 'RATE', numeric: POSITIVE,
      description: 'learning rate of that training (default: slimnet train\'s)',
    },
    prune: {
      type: 'string', placeholder: 'METHOD', default: D.pruneMethod,
      description: 'unstructured pruning method (magnitude, iterative, agp...)',
    },
    sparsity: {
      type: 'string', placeholder: 'F|L=F,...', default: String(D.pruneSparsity),
      description: 'fraction of all weights removed (one global magnitude threshold unless --prune-options '
        + 'scope=layer), or per layer (fc1=0.92,fc2=0.91)',
    },
    'per-layer': { type: 'string', placeholder: 'FILE', description: 'JSON file {layer: sparsity} instead of --sparsity' },
    'prune-options': {
      type: 'string', placeholder: 'K=V,...',
      description: 'pruning method options, e.g. cycles=4,epochsPerCycle=2 or scope=layer (default method: '
        + `${Object.entries(D.pruneOptions).map(([k, v]) => `${k}=${String(v)}`).join(',')})`,
    },
    'retrain-epochs': {
      type: 'string', placeholder: 'N', numeric: COUNT, default: String(D.retrainEpochs),
      description: 'masked retraining epochs after pruning',
    },
    'retrain-lr': {
      type: 'string', placeholder: 'RATE', numeric: POSITIVE, default: String(D.retrainLr),
      description: 'retraining learning rate',
    },
    'retrain-schedule': {
      type: 'string', placeholder: 'SPEC', default: formatSchedule(D.retrainSchedule),
      description: 'lr schedule of each retraining run (constant | cosine[:min] | step:E[:g] ...)',
    },
    'weight-decay': {
      type: 'string', placeholder: 'WD', numeric: NON_NEGATIVE, default: String(D.weightDecay),
      description: 'weight decay while retraining',
    },
    'conv-bits': {
      type: 'string', placeholder: 'B', numeric: BITS, default: String(D.bits.conv),
      description: 'k-means index bits of conv layers',
    },
    'fc-bits': {
      type: 'string', placeholder: 'B', numeric: BITS, default: String(D.bits.fc),
      description: 'k-means index bits of fully-connected layers',
    },
    init: {
      type: 'string', placeholder: 'linear|density|random', default: D.init,
      description: 'centroid initialisation',
    },
    'finetune-epochs': {
      type: 'string', placeholder: 'N', numeric: COUNT, default: String(D.finetuneEpochs),
      description: 'codebook fine-tuning epochs (0 = none)',
    },
    'finetune-lr': {
      type: 'string', placeholder: 'RATE', numeric: POSITIVE, default: String(D.finetuneLr),
      description: 'codebook fine-tuning learning rate (centroid steps normalised per cluster)',
    },
    'conv-gap-bits': {
      type: 'string', placeholder: 'B', numeric: BITS, default: String(D.gapBits.conv),
      description: 'relative-index bits of conv layers',
    },
    'fc-gap-bits': {
      type: 'string', placeholder: 'B', numeric: BITS, default: String(D.gapBits.fc),
      description: 'relative-index bits of fully-connected layers',
    },
    'batch-size': {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'mini-batch size', default: String(D.batchSize),
    },
    threads: {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT, default: '2',
      description: 'onnxruntime threads for training and evaluation',
    },
    seed: {
      type: 'string', placeholder: 'N', numeric: SEED, default: String(D.seed),
      description: 'seed of initial weights and batch order',
    },
    'latency-runs': {
      type: 'string', placeholder: 'N', numeric: COUNT, default: '50',
      description: 'timed latency runs per model and batch size (0 = skip)',
    },
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
    const validation = optString(o, 'validation') === undefined ? 0 : optInt(o, 'validation', 0);
    const checkedOn = validation === 0 ? 'test' : 'validation';
    const json = o.json === true;
    const flags = pipelineFlags(o, isZoo);
    deepCompressSettings(flags); // unknown --prune-options keys and bad values fail here, before any data is read
    const dataOpts = { ...(limit === undefined ? {} : { limit }), ...(validation === 0 ? {} : { validation }) };
    const dataSpec = optString(o, 'data') ?? 'mnist';
    const data = source === undefined ? loadDataset(dataSpec, dataOpts) : loadDataFor(source, dataSpec, dataOpts);
    const r = await deepCompress(source?.model ?? zooName, {
      ...flags, dataset: data,
      ...(json ? {} : { onProgress: trainingProgress(io), log: (m: string) => io.err(`deep-compress: ${m}`) }),
    });
    atomicWrite(out, r.bytes, { protect });
    const onnxOut = optString(o, 'onnx-out');
    if (onnxOut !== undefined) saveModel(r.model, onnxOut, { protect });
    const modelOut = optString(o, 'model-out');
    if (modelOut !== undefined) saveModel(r.input, modelOut, { protect });
    const label = source?.label ?? `zoo:${zooName} (trained ${optInt(o, 'train-epochs', 3)} epochs)`;
    if (json) {
      io.out(JSON.stringify({
        model: label, out, ...(onnxOut === undefined ? {} : { onnxOut }), seconds: r.seconds, settings: r.settings,
        errors: { input: r.errorBefore, prunedRetrained: r.errorPruned, shared: r.errorShared, final: r.errorAfter },
        sparsity: r.sparsity, pack: r.report, ratio: r.ratio, measurement: r.measurement,
      }, null, 2));
      return 0;
    }
    io.out(`${label}: deep compression on ${data.name} (${r.seconds.toFixed(0)} s)`);
    for (const line of formatDeepCompressSettings(r.settings)) io.out(line);
    io.out(formatTable(
      [{ header: 'stage' }, { header: `${checkedOn} error` }],
      [['input', formatPercent(r.errorBefore)], ['pruned + retrained', formatPercent(r.errorPruned)], ['k-means shared', formatPercent(r.errorShared)], ['codebooks fine-tuned', formatPercent(r.errorAfter)]],
    ));
    io.out(`pruned weights: ${formatInt(r.sparsity.params)} -> ${formatInt(r.sparsity.nonzero)} nonzero (${r.sparsity.ratio.toFixed(1)}x fewer)`);
    io.out('');
    io.out(formatSizeTable(r.report));
    io.out(`dense float32 weights ${formatInt(r.report.denseBytes)} B -> container ${formatInt(r.report.totalBytes)} B: ${r.ratio.toFixed(1)}x smaller`);
    io.out('');
    io.out(formatMeasurement(r.measurement).join('\n'));
    if (validation > 0) {
      io.out(`errors above are on a validation split: the last ${validation} training samples, not the test split`);
    }
    io.out(`saved ${out}${onnxOut === undefined ? '' : ` and ${onnxOut}`}${modelOut === undefined ? '' : ` (trained input: ${modelOut})`}`);
    return 0;
  },
};
