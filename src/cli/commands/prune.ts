/**
 * `slimnet prune model.onnx --method M --target T --data D --out P`: unstructured methods (exact zeros +
 * sparsity table) and structured criteria (channels physically removed; MACs and latency drop).
 */
import { readFileSync } from 'node:fs';
import { parseOptionText, resolveOptions, splitList, type AnyOptionValues } from '../../compress/options.js';
import {
  isCriterion, POLICY_OPTIONS, structuredCriteria, structuredCriterion,
} from '../../compress/pruning/structured/criteria.js';
import { structuredPrune, type StructuredPruneOptions } from '../../compress/pruning/structured/pipeline.js';
import { effectiveMethodOptions, unstructuredMethods } from '../../compress/pruning/unstructured/methods.js';
import { PRUNE_FINETUNE_DEFAULTS, pruneAndRetrain } from '../../compress/pruning/unstructured/pipeline.js';
import { SlimnetError } from '../../ir/errors.js';
import { evaluate } from '../../runtime/evaluate.js';
import { compareLatency } from '../../runtime/latency.js';
import { saveModel } from '../../onnx/index.js';
import { formatInt, formatMs, formatPercent, formatSi } from '../../report/format.js';
import { formatTable } from '../../report/table.js';
import { formatSchedule, parseSchedule, type Schedule } from '../../train/schedule.js';
import type { TrainProgress } from '../../train/types.js';
import { checkWritable } from '../../util/atomic-write.js';
import {
  COUNT, NON_NEGATIVE, optInt, optNumber, optString, POSITIVE, POSITIVE_INT, requirePositional, SEED, type Command,
  type CommandIo, type ParsedOptions,
} from '../command.js';
import { loadDataFor } from '../data-source.js';
import { isFeedDir } from '../../data/feeds.js';
import { pruneOnFeeds } from './prune-feeds.js';
import { methodLines, optionLines } from '../method-help.js';
import { resolveModel, type ModelSource } from '../model-source.js';

/**
 * --target: a fraction removed (0.9 = 90 % of the weights zero / 90 % of the MACs gone) or a factor 'Nx'
 * (12x = 12× fewer nonzero weights / 3x = 3× fewer MACs), both meaning 1 − 1/N.
 */
export function parseTarget(text: string): number {
  const factor = /^([0-9]*\.?[0-9]+)x$/i.exec(text.trim());
  const value = factor !== null ? 1 - 1 / Number(factor[1]) : text.trim() === '' ? NaN : Number(text);
  if (!(value >= 0 && value < 1) || (factor !== null && !(Number(factor[1]) >= 1))) {
    throw new SlimnetError('INVALID_ARGUMENT', `--target must be a fraction in [0, 1) (0.9) or a reduction factor >= 1 (12x), got '${text}'`);
  }
  return value;
}

function perLayerFile(spec: string | undefined): Readonly<Record<string, number>> | 'auto' | undefined {
  if (spec === undefined || spec === 'auto') return spec;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(spec, 'utf8'));
  } catch (e) {
    throw new SlimnetError('INVALID_ARGUMENT', `--per-layer '${spec}': expected 'auto' or a JSON file of {layer: ratio} (${e instanceof Error ? e.message : String(e)})`);
  }
  return ratioMap(parsed, `--per-layer '${spec}'`);
}

/** A JSON value that must be {layer: ratio} with every ratio a number in [0, 1). */
export function ratioMap(value: unknown, what: string): Readonly<Record<string, number>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SlimnetError('INVALID_ARGUMENT', `${what}: expected a JSON object {layer: ratio}`);
  }
  for (const [layer, r] of Object.entries(value)) {
    if (typeof r !== 'number' || !(r >= 0 && r < 1)) {
      const got = JSON.stringify(r);
      throw new SlimnetError('INVALID_ARGUMENT', `${what}: the ratio of '${layer}' must be in [0, 1), got ${got}`);
    }
  }
  return value as Record<string, number>;
}

function dataOptions(o: ParsedOptions): { limit?: number; validation?: number } {
  return {
    ...(optString(o, 'limit') === undefined ? {} : { limit: optInt(o, 'limit', 0) }),
    ...(optString(o, 'validation') === undefined ? {} : { validation: optInt(o, 'validation', 0) }),
  };
}

/** 'test', or 'validation' when --validation N holds out the last N training samples as the evaluation split. */
function checkedOn(o: ParsedOptions): 'test' | 'validation' {
  return optString(o, 'validation') === undefined || optInt(o, 'validation', 0) === 0 ? 'test' : 'validation';
}

/** Fine-tuning learning rate of structured pruning without --lr (its measured recipe, bench/results/prune.md). */
const STRUCTURED_LR = 0.01;

interface TrainingFlags {
  readonly lr?: number;
  readonly weightDecay?: number;
  readonly threads: number;
  readonly seed: number;
  readonly schedule?: Schedule;
}

function trainingOptions(o: ParsedOptions): TrainingFlags {
  const lr = optNumber(o, 'lr');
  const wd = optNumber(o, 'weight-decay');
  return {
    threads: optInt(o, 'threads', 2), seed: optInt(o, 'seed', PRUNE_FINETUNE_DEFAULTS.seed),
    ...(optString(o, 'schedule') === undefined ? {} : { schedule: parseSchedule(optString(o, 'schedule') as string) }),
    ...(lr === undefined ? {} : { lr }), ...(wd === undefined ? {} : { weightDecay: wd }),
  };
}

/** The settings an unstructured run uses, defaults filled in (printed, and returned in --json). */
export interface UnstructuredSettings {
  readonly method: string;
  /** Method options in effect (given ones over the method's defaults). */
  readonly options: AnyOptionValues;
  /** Target sparsity (one number), or 'per-layer FILE' / 'auto' with the global target. */
  readonly target: number;
  readonly perLayer: 'auto' | 'file' | 'none';
  readonly finetuneEpochs: number;
  readonly lr: number;
  readonly schedule: string;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly batchSize: number;
  readonly seed: number;
}

/** One line describing `s`, e.g. 'magnitude (scope global, normalize false), 92.0 % of the weights ...'. */
export function formatUnstructuredSettings(s: UnstructuredSettings): string {
  const opts = Object.entries(s.options).map(([k, v]) => `${k} ${String(v)}`).join(', ');
  const auto = s.perLayer === 'auto' ? ' (per-layer ratios from a sensitivity pass)' : '';
  const target = s.perLayer === 'file' ? 'per-layer sparsities from --per-layer'
    : `target ${formatPercent(s.target, 1)} of the weights zero${auto}`;
  return `settings: ${s.method}${opts === '' ? '' : ` (${opts})`}, ${target}; `
    + `fine-tuning ${s.finetuneEpochs} epoch(s), SGD lr ${s.lr} ${s.schedule}, momentum ${s.momentum}, `
    + `weight decay ${s.weightDecay}, batch ${s.batchSize}, seed ${s.seed}`;
}

async function runUnstructured(source: ModelSource, method: string, o: ParsedOptions, io: CommandIo, out: string): Promise<number> {
  const target = parseTarget(optString(o, 'target') ?? '0.9');
  const pl = perLayerFile(optString(o, 'per-layer'));
  const epochs = optInt(o, 'finetune-epochs', PRUNE_FINETUNE_DEFAULTS.epochs);
  const sparsity = pl === undefined || pl === 'auto' ? target : pl;
  const methodOptions = parseOptionText(optString(o, 'options'));
  const train = trainingOptions(o);
  const d = PRUNE_FINETUNE_DEFAULTS;
  const schedule = train.schedule ?? d.schedule;
  const settings: UnstructuredSettings = {
    method, options: effectiveMethodOptions(method, methodOptions, sparsity), target,
    perLayer: pl === 'auto' ? 'auto' : pl === undefined ? 'none' : 'file', finetuneEpochs: epochs,
    lr: train.lr ?? d.lr, schedule: formatSchedule(schedule), weightDecay: train.weightDecay ?? d.weightDecay,
    momentum: d.momentum, batchSize: d.batchSize, seed: train.seed,
  };
  if (isFeedDir(optString(o, 'data') ?? 'mnist')) {
    return pruneOnFeeds({ source, method, sparsity, methodOptions, out }, o, io);
  }
  if (o.json !== true) io.out(formatUnstructuredSettings(settings));
  const progress = (p: TrainProgress): void => {
    if (p.kind === 'epoch') io.err(`fine-tuning epoch ${p.epoch}/${p.epochs}: train loss ${p.loss.toFixed(4)}`);
  };
  const dataset = loadDataFor(source, optString(o, 'data') ?? 'mnist', dataOptions(o), io);
  const r = await pruneAndRetrain(source.model, {
    method, sparsity, finetuneEpochs: epochs, dataset,
    methodOptions, ...(pl === 'auto' ? { perLayer: 'auto' as const } : {}), ...train,
    lr: settings.lr, schedule, weightDecay: settings.weightDecay, momentum: settings.momentum,
    batchSize: settings.batchSize, onWarning: (m: string) => io.err(`warning: ${m}`),
    ...(o.json === true ? {} : { onProgress: progress }),
  });
  saveModel(r.model, out, source.path === undefined ? {} : { protect: [source.path] });
  const summary = {
    model: source.label, method, out, settings, beforeError: r.beforeError, prunedError: r.prunedError,
    afterError: r.afterError, stats: r.stats, sparsities: r.sparsities,
  };
  if (o.json === true) return (io.out(JSON.stringify(summary, null, 2)), 0);
  io.out(formatTable(
    [{ header: 'layer' }, { header: 'op' }, { header: 'params' }, { header: 'nonzero' }, { header: 'sparsity' }],
    r.stats.layers.map((l) => [l.layer, l.op, formatInt(l.params), formatInt(l.nonzero), formatPercent(l.sparsity, 1)]),
  ));
  io.out(`prunable weights ${formatInt(r.stats.params)} -> ${formatInt(r.stats.nonzero)} nonzero (${r.stats.ratio.toFixed(1)}x fewer); whole model ${formatInt(r.stats.modelParams)} -> ${formatInt(r.stats.modelNonzero)} (${r.stats.modelRatio.toFixed(1)}x)`);
  io.out(`${checkedOn(o)} error ${formatPercent(r.beforeError)} -> ${formatPercent(r.prunedError)} after pruning -> `
    + `${formatPercent(r.afterError)} after ${epochs} fine-tuning epoch(s)`);
  io.out(`saved ${out} (dense ONNX with exact zeros)`);
  return 0;
}

/** --options of a structured run: the policy's options and the criterion's own, checked against both schemas. */
function structuredOptions(criterion: string, text: string | undefined): Partial<StructuredPruneOptions> {
  const raw = parseOptionText(text);
  const c = structuredCriterion(criterion);
  const p = resolveOptions(`pruning criterion '${criterion}'`, { ...POLICY_OPTIONS, ...c.options }, raw);
  const own = Object.fromEntries(Object.keys(c.options).filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]]));
  return {
    criterionOptions: own, ranking: p.ranking, roundTo: p.roundTo, alignTo: p.alignTo, minChannels: p.minChannels,
    threshold: p.threshold, calibrationSamples: p.calibrationSamples,
    ...(p.exclude === undefined ? {} : { exclude: splitList(p.exclude, ';') }),
  };
}

async function runStructured(
  source: ModelSource, criterion: string, o: ParsedOptions, io: CommandIo, out: string,
): Promise<number> {
  const { threads, ...train } = trainingOptions(o);
  const pl = perLayerFile(optString(o, 'per-layer'));
  const target = parseTarget(optString(o, 'target') ?? '0.5');
  const extras = structuredOptions(criterion, optString(o, 'options'));
  const runs = optInt(o, 'latency-runs', 50);
  const data = loadDataFor(source, optString(o, 'data') ?? 'mnist', dataOptions(o), io);
  const r = await structuredPrune(source.model, {
    criterion, target: { macsRatio: target }, dataset: data, finetuneEpochs: optInt(o, 'finetune-epochs', 1),
    steps: optInt(o, 'steps', 1), ...(pl === undefined ? {} : { perLayer: pl }), ...extras,
    // structured fine-tuning keeps its measured recipe (bench/results/prune.md): SGD lr 0.01, momentum 0.9, no Nesterov
    train: {
      threads, ...train, lr: train.lr ?? STRUCTURED_LR, schedule: train.schedule ?? { kind: 'cosine' }, momentum: 0.9,
      nesterov: false, weightDecay: train.weightDecay ?? 0,
    },
    ...(o.json === true ? {} : { onProgress: (m: string) => io.err(m) }),
  });
  const before = (await evaluate(source.model, data.test, { threads })).top1Error;
  const after = (await evaluate(r.model, data.test, { threads })).top1Error;
  const lat = [];
  for (const batchSize of runs > 0 ? [1, 64] : []) {
    lat.push(await compareLatency(source.model, r.model, { batchSize, runs, threads: 1 }));
  }
  // Written last: a failure anywhere above leaves no output file.
  saveModel(r.model, out, source.path === undefined ? {} : { protect: [source.path] });
  const summary = { model: source.label, criterion, out, before: { ...r.before, error: before }, after: { ...r.after, error: after }, latency: lat, groups: r.groups };
  if (o.json === true) return (io.out(JSON.stringify(summary, null, 2)), 0);
  io.out(formatTable(
    [{ header: 'group' }, { header: 'status' }, { header: 'channels' }, { header: 'kept' }, { header: 'note' }],
    r.groups.map((g) => [g.name, g.status, String(g.size), String(g.kept), g.blocked.map((b) => `${b.opType} ${b.nodeName}: ${b.reason}`).join('; ')]),
  ));
  io.out(`MACs ${formatSi(r.before.macs)} -> ${formatSi(r.after.macs)} (${(r.before.macs / r.after.macs).toFixed(2)}x fewer); params ${formatInt(r.before.params)} -> ${formatInt(r.after.params)}`);
  io.out(`${checkedOn(o)} error ${formatPercent(before)} -> ${formatPercent(after)}`);
  for (const l of lat) {
    const cpu = l.a.cpu === undefined || l.b.cpu === undefined ? '' : `; CPU time ${formatMs(l.a.cpu.medianMs)} -> ${formatMs(l.b.cpu.medianMs)} (${(l.cpuSpeedup ?? NaN).toFixed(2)}x)`;
    io.out(`latency batch ${l.a.batchSize}: ${formatMs(l.a.medianMs)} -> ${formatMs(l.b.medianMs)} (${l.speedup.toFixed(2)}x, median of ${l.a.runs} interleaved runs, 1 thread${cpu})`);
  }
  io.out(`saved ${out} (smaller dense ONNX)`);
  return 0;
}

function methodHelp(): string {
  const key = (k: string): string => `${k}=`;
  return [
    'Unstructured methods (--target = sparsity of the weights, or Nx; --options key=value,...):',
    ...methodLines(unstructuredMethods, key), '',
    'Structured criteria (--target = fraction of MACs removed, or Nx; --options key=value,... below, and the',
    "criterion's own):", ...methodLines(structuredCriteria, key), '  options of every criterion:',
    ...optionLines(POLICY_OPTIONS, key),
  ].join('\n');
}

/** Every pruning method's name, unstructured then structured (one namespace). */
function pruningNames(): string {
  return `unstructured: ${unstructuredMethods.map((m) => m.name).join(', ')}; `
    + `structured: ${structuredCriteria.map((c) => c.name).join(', ')}`;
}

export const pruneCommand: Command = {
  name: 'prune',
  summary: 'Prune a model: unstructured (exact zeros) or structured (channels physically removed), with fine-tuning.',
  positionals: '<model.onnx|zoo-name>',
  options: {
    method: { type: 'string', placeholder: 'NAME', description: 'pruning method (listed below)', default: 'magnitude' },
    target: { type: 'string', placeholder: 'F|Nx', description: 'unstructured: sparsity (0.9) or 12x fewer nonzero weights; structured: fraction of MACs removed (0.5) or 3x fewer MACs' },
    'per-layer': { type: 'string', placeholder: 'auto|FILE', description: 'per-layer ratios: auto (from a sensitivity analysis, meeting --target globally) or a JSON file {layer: ratio}' },
    'finetune-epochs': {
      type: 'string', placeholder: 'N', numeric: COUNT, default: String(PRUNE_FINETUNE_DEFAULTS.epochs),
      description: 'fine-tuning epochs after pruning (per step for structured --steps)',
    },
    options: { type: 'string', placeholder: 'K=V,...', description: 'method options (listed below), e.g. cycles=4,epochsPerCycle=2 or criterion=obd' },
    steps: {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'structured: prune in N steps with fine-tuning between', default: '1',
    },
    lr: {
      type: 'string', placeholder: 'RATE', numeric: POSITIVE,
      description: `fine-tuning learning rate (default ${PRUNE_FINETUNE_DEFAULTS.lr} unstructured, `
        + `${STRUCTURED_LR} structured)`,
    },
    seed: {
      type: 'string', placeholder: 'N', numeric: SEED,
      description: 'seed of the fine-tuning batch order (and of sampled criteria)',
      default: String(PRUNE_FINETUNE_DEFAULTS.seed),
    },
    'weight-decay': {
      type: 'string', placeholder: 'W', numeric: NON_NEGATIVE,
      description: 'fine-tuning weight decay (default 0)',
    },
    schedule: {
      type: 'string', placeholder: 'SPEC',
      description: 'fine-tuning learning-rate schedule: constant, cosine[:min], step:N[:G] ..., optional +warmup:E '
        + `(default ${formatSchedule(PRUNE_FINETUNE_DEFAULTS.schedule)} unstructured, cosine structured)`,
    },
    data: { type: 'string', placeholder: 'mnist|fashion-mnist|PATH', description: 'data for fine-tuning, data-driven criteria and evaluation', default: 'mnist' },
    threads: {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'onnxruntime intra-op threads', default: '2',
    },
    'latency-runs': {
      type: 'string', placeholder: 'N', numeric: COUNT,
      description: 'structured: timed latency runs per model and batch size (0 = skip)', default: '50',
    },
    limit: {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'use only the first N training and test samples (quick runs)',
    },
    validation: {
      type: 'string', placeholder: 'N', numeric: COUNT,
      description: 'hold out the last N training samples: fine-tune on the rest, report errors on them (not the test split)',
    },
    out: { type: 'string', placeholder: 'PATH', description: 'where to write the pruned ONNX model' },
  },
  get details(): string {
    return methodHelp();
  },
  async run(positionals, o, io) {
    const source = resolveModel(requirePositional(this, positionals, 0, 'a model'));
    const out = optString(o, 'out');
    if (out === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet prune: --out PATH is required');
    checkWritable(out, { protect: source.path === undefined ? [] : [source.path] });
    const method = optString(o, 'method') ?? 'magnitude';
    if (isCriterion(method)) return runStructured(source, method, o, io, out);
    if (unstructuredMethods.some((m) => m.name === method)) return runUnstructured(source, method, o, io, out);
    throw new SlimnetError('INVALID_ARGUMENT', `unknown pruning method '${method}'; ${pruningNames()}`);
  },
};
