/**
 * `slimnet decompose model.onnx --method svd|jaderberg|cp|tucker2 --rank R | --energy E | --budget B | --vbmf
 *   [--finetune-epochs N --data D] --out PATH`: low-rank factorisation of the model's layers, optional
 * fine-tuning, and a per-layer report with MACs, reconstruction error and measured speedups.
 */
import { readFileSync } from 'node:fs';
import { lowRankMethods } from '../../compress/lowrank/methods/index.js';
import { lowRankPipeline } from '../../compress/lowrank/pipeline.js';
import type { DecomposeOptions } from '../../compress/lowrank/types.js';
import { SlimnetError } from '../../ir/errors.js';
import { saveModel } from '../../onnx/index.js';
import { checkWritable } from '../../util/atomic-write.js';
import {
  COUNT, FRACTION, NON_NEGATIVE, optInt, optNumber, optString, POSITIVE, POSITIVE_INT, requirePositional,
  type Command, type NumericRule, type ParsedOptions,
} from '../command.js';
import { loadDataFor } from '../data-source.js';
import { isFeedDir } from '../../data/feeds.js';
import { readFeedsFor } from '../feeds-source.js';
import { formatFidelity } from '../../metrics/fidelity.js';
import { compareModels } from '../../runtime/compare.js';
import { resolveModel } from '../model-source.js';
import { formatDecomposition } from './decompose-format.js';

/** --energy: a fraction of the spectrum's energy in (0, 1]. */
const UNIT_ENERGY: NumericRule = { kind: 'number', above: 0, max: 1 };

function list(o: ParsedOptions, name: string): string[] | undefined {
  const v = optString(o, name);
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function perLayerRanks(path: string): Record<string, number | number[]> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, number | number[]>;
  } catch (e) {
    throw new SlimnetError('INVALID_ARGUMENT', `--ranks '${path}': expected a JSON file of {layer: rank | [out, in]} (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** The rank rule and method options from the command line. */
function decomposeOptions(o: ParsedOptions): DecomposeOptions {
  const method = optString(o, 'method');
  if (method === undefined) throw new SlimnetError('INVALID_ARGUMENT', `slimnet decompose: --method is required (${lowRankMethods.map((m) => m.name).join(', ')})`);
  const ranksFile = optString(o, 'ranks');
  const rank = optNumber(o, 'rank');
  const energy = optNumber(o, 'energy');
  const budget = optNumber(o, 'budget');
  const metric = optString(o, 'budget-metric');
  if (metric !== undefined && metric !== 'macs' && metric !== 'params') throw new SlimnetError('INVALID_ARGUMENT', `--budget-metric must be macs or params, got '${metric}'`);
  const layers = list(o, 'layers');
  const exclude = list(o, 'exclude');
  const hooi = optString(o, 'hooi') === undefined ? undefined : optInt(o, 'hooi', 0);
  const cpIt = optString(o, 'cp-iterations') === undefined ? undefined : optInt(o, 'cp-iterations', 0);
  const alignTo = optString(o, 'align-to') === undefined ? undefined : optInt(o, 'align-to', 1);
  if (rank !== undefined && ranksFile !== undefined) throw new SlimnetError('INVALID_ARGUMENT', 'give --rank or --ranks, not both');
  const r = ranksFile !== undefined ? perLayerRanks(ranksFile) : rank;
  return {
    method: method as DecomposeOptions['method'],
    ...(r === undefined ? {} : { rank: r }), ...(energy === undefined ? {} : { energy }), ...(budget === undefined ? {} : { budget }),
    ...(o.vbmf === true ? { vbmf: true } : {}), ...(metric === undefined ? {} : { budgetMetric: metric }),
    ...(layers === undefined ? {} : { layers }), ...(exclude === undefined ? {} : { exclude }),
    ...(hooi === undefined ? {} : { hooiIterations: hooi }), ...(cpIt === undefined ? {} : { cp: { maxIterations: cpIt } }),
    ...(alignTo === undefined ? {} : { alignTo }),
  };
}

export const decomposeCommand: Command = {
  name: 'decompose',
  summary: 'Low-rank decomposition (SVD, Jaderberg, CP, Tucker-2) with rank selection, fine-tuning and measured speedups.',
  positionals: '<model.onnx|zoo-name>',
  options: {
    method: { type: 'string', placeholder: lowRankMethods.map((m) => m.name).join('|'), description: 'svd: Gemm/MatMul/1×1 conv; jaderberg, cp, tucker2: k×k convs' },
    rank: {
      type: 'string', placeholder: 'R', numeric: POSITIVE,
      description: 'rank of every layer (integer), or a fraction in (0,1) of each full rank',
    },
    ranks: { type: 'string', placeholder: 'FILE', description: 'JSON file {layer: rank | [out, in]} of per-layer ranks' },
    energy: {
      type: 'string', placeholder: 'E', numeric: UNIT_ENERGY,
      description: 'keep this fraction of each spectrum\'s energy (0.9)',
    },
    budget: {
      type: 'string', placeholder: 'B', numeric: FRACTION,
      description: 'keep at most this fraction of the model\'s MACs (global)',
    },
    'budget-metric': { type: 'string', placeholder: 'macs|params', description: 'what --budget counts', default: 'macs' },
    vbmf: { type: 'boolean', description: 'ranks by empirical variational Bayesian matrix factorisation' },
    'align-to': {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'round ranks ≥ N up to a multiple of N (8 or 16 suit onnxruntime\'s blocked convs)',
    },
    layers: { type: 'string', placeholder: 'A,B', description: 'only these layers (node names)' },
    exclude: { type: 'string', placeholder: 'A,B', description: 'leave these layers unchanged' },
    hooi: {
      type: 'string', placeholder: 'N', numeric: COUNT,
      description: 'tucker2: HOOI refinement sweeps after HOSVD', default: '0',
    },
    'cp-iterations': {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'cp: largest number of ALS sweeps', default: '500',
    },
    refit: {
      type: 'string', placeholder: 'N', numeric: COUNT,
      description: 'refit each factored layer\'s last stage by least squares on N training images (needs --data)',
      default: '0',
    },
    'finetune-epochs': {
      type: 'string', placeholder: 'N', numeric: COUNT,
      description: 'fine-tuning epochs after the decomposition (needs --data)', default: '0',
    },
    lr: {
      type: 'string', placeholder: 'RATE', numeric: POSITIVE,
      description: 'fine-tuning learning rate (SGD momentum 0.9, cosine schedule)', default: '0.005',
    },
    'weight-decay': {
      type: 'string', placeholder: 'W', numeric: NON_NEGATIVE,
      description: 'fine-tuning weight decay', default: '0',
    },
    data: { type: 'string', placeholder: 'mnist|fashion-mnist|PATH', description: 'data for test error and fine-tuning (none: error not measured), or a feed directory (fidelity)' },
    limit: {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'use only the first N training samples for fine-tuning',
    },
    'eval-limit': {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'evaluate on only the first N test samples',
    },
    threads: {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'onnxruntime threads for fine-tuning and evaluation', default: '2',
    },
    'latency-runs': {
      type: 'string', placeholder: 'N', numeric: COUNT,
      description: 'timed runs per latency comparison (0 = skip)', default: '50',
    },
    'batch-sizes': { type: 'string', placeholder: 'A,B', description: 'batch sizes for latency', default: '1,64' },
    out: { type: 'string', placeholder: 'PATH', description: 'where to write the decomposed ONNX model' },
  },
  details: [
    'Give exactly one of --rank, --ranks, --energy, --budget, --vbmf. Layers whose factored form would not have',
    'fewer MACs stay as they are. Latency: whole model and each factored layer alone, original vs factored, in',
    'interleaved blocks on 1 thread; per-layer columns show the speedup.',
  ].join('\n'),
  async run(positionals, o, io) {
    const source = resolveModel(requirePositional(this, positionals, 0, 'a model'));
    const out = optString(o, 'out');
    if (out === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet decompose: --out PATH is required');
    checkWritable(out, { protect: source.path === undefined ? [] : [source.path] });
    const opts = decomposeOptions(o);
    const epochs = optInt(o, 'finetune-epochs', 0);
    const dataSpec = optString(o, 'data');
    if (epochs > 0 && dataSpec === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet decompose: --finetune-epochs needs --data');
    const refit = optInt(o, 'refit', 0);
    if (refit > 0 && dataSpec === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet decompose: --refit needs --data');
    const limit = optString(o, 'limit') === undefined ? undefined : optInt(o, 'limit', 0);
    const evalLimit = optString(o, 'eval-limit') === undefined ? undefined : optInt(o, 'eval-limit', 0);
    const threads = optInt(o, 'threads', 2);
    const runs = optInt(o, 'latency-runs', 50);
    const batchSizes = (list(o, 'batch-sizes') ?? ['1', '64']).map((b) => {
      const n = Number(b);
      if (!Number.isInteger(n) || n < 1) throw new SlimnetError('INVALID_ARGUMENT', `--batch-sizes expects positive integers, got '${b}'`);
      return n;
    });
    const dataOpts = limit === undefined ? {} : { limit, testLimit: evalLimit ?? 10_000_000 };
    const feeds = dataSpec !== undefined && isFeedDir(dataSpec) ? readFeedsFor(dataSpec, io) : undefined;
    if (feeds !== undefined && (epochs > 0 || refit > 0)) {
      throw new SlimnetError('INVALID_ARGUMENT', `slimnet decompose: --finetune-epochs and --refit need a labelled data `
        + `set; '${dataSpec}' is a feed directory (fidelity is measured on it)`);
    }
    const dataset = dataSpec === undefined || feeds !== undefined ? undefined : loadDataFor(source, dataSpec, dataOpts, io);
    const quiet = o.json === true;
    const r = await lowRankPipeline(source.model, {
      ...opts, ...(dataset === undefined ? {} : { dataset }), ...(evalLimit === undefined ? {} : { evalLimit }),
      evalThreads: threads, finetuneEpochs: epochs, refitSamples: refit,
      train: {
        threads, lr: optNumber(o, 'lr', 0.005), weightDecay: optNumber(o, 'weight-decay', 0), schedule: { kind: 'cosine' },
        ...(quiet ? {} : { onProgress: (p) => { if (p.kind === 'epoch') io.err(`fine-tuning epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(4)}, train accuracy ${(p.accuracy * 100).toFixed(2)} %`); } }),
      },
      latency: runs <= 0 ? false : { runs, batchSizes, threads: 1 },
      ...(quiet ? {} : { onProgress: (m: string) => io.err(m) }),
    });
    saveModel(r.model, out, source.path === undefined ? {} : { protect: [source.path] });
    const fidelity = feeds === undefined ? undefined : await compareModels(source.model, r.model, feeds, { threads });
    if (quiet) {
      const refitJson = r.refit === undefined ? null : { layers: r.refit.layers, skipped: r.refit.skipped };
      io.out(JSON.stringify({ model: source.label, out, report: r.report, errors: r.errors ?? null, refit: refitJson,
        latency: r.latency ?? null, ...(fidelity === undefined ? {} : { fidelity }) }, null, 2));
      return 0;
    }
    for (const line of formatDecomposition(r, source.label, out, epochs)) io.out(line);
    if (fidelity !== undefined) {
      io.out(`fidelity to the input model on ${feeds?.source ?? ''} (${fidelity.count} samples):`);
      for (const line of formatFidelity(fidelity.outputs)) io.out(`  ${line}`);
    }
    return 0;
  },
};
