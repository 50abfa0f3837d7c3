/**
 * `slimnet prune model.onnx --method M --target T --data D --out P`: unstructured methods (exact zeros +
 * sparsity table) and structured criteria (channels physically removed; MACs and latency drop).
 */
import { readFileSync } from 'node:fs';
import { CRITERION_NAMES, type CriterionName } from '../../compress/pruning/structured/criteria.js';
import { structuredPrune } from '../../compress/pruning/structured/pipeline.js';
import { pruneAndRetrain } from '../../compress/pruning/unstructured/pipeline.js';
import { loadDataset } from '../../data/index.js';
import { SlimnetError } from '../../ir/errors.js';
import { evaluate } from '../../runtime/evaluate.js';
import { compareLatency } from '../../runtime/latency.js';
import { saveModel } from '../../onnx/index.js';
import { formatInt, formatMs, formatPercent, formatSi } from '../../report/format.js';
import { formatTable } from '../../report/table.js';
import { checkWritable } from '../../util/atomic-write.js';
import { optInt, optNumber, optString, requirePositional, type Command, type CommandIo, type ParsedOptions } from '../command.js';
import { resolveModel, type ModelSource } from '../model-source.js';

/** CLI names of unstructured methods -> registry names ('obs' is layer-wise OBS; l1/l2-reg regularize first). */
const UNSTRUCTURED: Readonly<Record<string, string>> = {
  magnitude: 'magnitude', iterative: 'iterative', agp: 'agp', obd: 'obd', obs: 'lobs', 'data-free': 'data-free', 'l1-reg': 'l1', 'l2-reg': 'l2',
};

function perLayer(spec: string | undefined): Readonly<Record<string, number>> | 'auto' | undefined {
  if (spec === undefined || spec === 'auto') return spec;
  try {
    return JSON.parse(readFileSync(spec, 'utf8')) as Record<string, number>;
  } catch (e) {
    throw new SlimnetError('INVALID_ARGUMENT', `--per-layer '${spec}': expected 'auto' or a JSON file of {layer: ratio} (${e instanceof Error ? e.message : String(e)})`);
  }
}

function dataOptions(o: ParsedOptions): { limit?: number } {
  return optString(o, 'limit') === undefined ? {} : { limit: optInt(o, 'limit', 0) };
}

async function runUnstructured(source: ModelSource, method: string, o: ParsedOptions, io: CommandIo, out: string): Promise<number> {
  const target = optNumber(o, 'target', 0.9);
  const pl = perLayer(optString(o, 'per-layer'));
  if (pl === 'auto') throw new SlimnetError('INVALID_ARGUMENT', "--per-layer auto applies to structured criteria; give unstructured methods a JSON file of per-layer sparsities");
  const lr = optNumber(o, 'lr');
  const r = await pruneAndRetrain(source.model, {
    method: UNSTRUCTURED[method] as string, sparsity: pl ?? target, finetuneEpochs: optInt(o, 'finetune-epochs', 1),
    dataset: optString(o, 'data') ?? 'mnist', datasetOptions: dataOptions(o), threads: optInt(o, 'threads', 2), ...(lr === undefined ? {} : { lr }),
  });
  saveModel(r.model, out, source.path === undefined ? {} : { protect: [source.path] });
  const summary = { model: source.label, method, out, beforeError: r.beforeError, prunedError: r.prunedError, afterError: r.afterError, stats: r.stats };
  if (o.json === true) return (io.out(JSON.stringify(summary, null, 2)), 0);
  io.out(formatTable(
    [{ header: 'layer' }, { header: 'op' }, { header: 'params' }, { header: 'nonzero' }, { header: 'sparsity' }],
    r.stats.layers.map((l) => [l.layer, l.op, formatInt(l.params), formatInt(l.nonzero), formatPercent(l.sparsity, 1)]),
  ));
  io.out(`prunable weights ${formatInt(r.stats.params)} -> ${formatInt(r.stats.nonzero)} nonzero (${r.stats.ratio.toFixed(1)}x fewer); whole model ${r.stats.modelRatio.toFixed(1)}x`);
  io.out(`test error ${formatPercent(r.beforeError)} -> ${formatPercent(r.prunedError)} after pruning -> ${formatPercent(r.afterError)} after ${optInt(o, 'finetune-epochs', 1)} fine-tuning epoch(s)`);
  io.out(`saved ${out} (dense ONNX with exact zeros)`);
  return 0;
}

async function runStructured(source: ModelSource, criterion: CriterionName, o: ParsedOptions, io: CommandIo, out: string): Promise<number> {
  const data = loadDataset(optString(o, 'data') ?? 'mnist', dataOptions(o));
  const threads = optInt(o, 'threads', 2);
  const lr = optNumber(o, 'lr');
  const pl = perLayer(optString(o, 'per-layer'));
  const r = await structuredPrune(source.model, {
    criterion, target: { macsRatio: optNumber(o, 'target', 0.5) }, dataset: data, finetuneEpochs: optInt(o, 'finetune-epochs', 1),
    steps: optInt(o, 'steps', 1), ...(pl === undefined ? {} : { perLayer: pl }),
    train: { threads, ...(lr === undefined ? {} : { lr }) },
    ...(o.json === true ? {} : { onProgress: (m: string) => io.err(m) }),
  });
  saveModel(r.model, out, source.path === undefined ? {} : { protect: [source.path] });
  const before = (await evaluate(source.model, data.test, { threads })).top1Error;
  const after = (await evaluate(r.model, data.test, { threads })).top1Error;
  const lat = [];
  for (const batchSize of [1, 64]) lat.push(await compareLatency(source.model, r.model, { batchSize, runs: optInt(o, 'latency-runs', 50), threads: 1 }));
  const summary = { model: source.label, criterion, out, before: { ...r.before, error: before }, after: { ...r.after, error: after }, latency: lat, groups: r.groups };
  if (o.json === true) return (io.out(JSON.stringify(summary, null, 2)), 0);
  io.out(formatTable(
    [{ header: 'group' }, { header: 'status' }, { header: 'channels' }, { header: 'kept' }, { header: 'note' }],
    r.groups.map((g) => [g.name, g.status, String(g.size), String(g.kept), g.blocked.map((b) => `${b.opType} ${b.nodeName}: ${b.reason}`).join('; ')]),
  ));
  io.out(`MACs ${formatSi(r.before.macs)} -> ${formatSi(r.after.macs)} (${(r.before.macs / r.after.macs).toFixed(2)}x fewer); params ${formatInt(r.before.params)} -> ${formatInt(r.after.params)}`);
  io.out(`test error ${formatPercent(before)} -> ${formatPercent(after)}`);
  for (const l of lat) io.out(`latency batch ${l.a.batchSize}: ${formatMs(l.a.medianMs)} -> ${formatMs(l.b.medianMs)} (${l.speedup.toFixed(2)}x, median of ${l.a.runs} runs, 1 thread)`);
  io.out(`saved ${out} (smaller dense ONNX)`);
  return 0;
}

export const pruneCommand: Command = {
  name: 'prune',
  summary: 'Prune a model: unstructured (exact zeros) or structured (channels physically removed), with fine-tuning.',
  positionals: '<model.onnx|zoo-name>',
  options: {
    method: { type: 'string', placeholder: 'NAME', description: `unstructured: ${Object.keys(UNSTRUCTURED).join(', ')}; structured: ${CRITERION_NAMES.join(', ')}`, default: 'magnitude' },
    target: { type: 'string', placeholder: 'F', description: 'unstructured: sparsity of the weights (0.9); structured: fraction of MACs removed (0.5)' },
    'per-layer': { type: 'string', placeholder: 'auto|FILE', description: 'per-layer ratios: auto (structured, from sensitivity) or a JSON file {layer: ratio}' },
    'finetune-epochs': { type: 'string', placeholder: 'N', description: 'fine-tuning epochs after pruning', default: '1' },
    steps: { type: 'string', placeholder: 'N', description: 'structured: prune in N steps with fine-tuning between', default: '1' },
    lr: { type: 'string', placeholder: 'RATE', description: 'fine-tuning learning rate' },
    data: { type: 'string', placeholder: 'mnist|fashion-mnist|PATH', description: 'data for fine-tuning and evaluation', default: 'mnist' },
    threads: { type: 'string', placeholder: 'N', description: 'onnxruntime intra-op threads', default: '2' },
    'latency-runs': { type: 'string', placeholder: 'N', description: 'structured: timed latency runs per model and batch size', default: '50' },
    limit: { type: 'string', placeholder: 'N', description: 'use only the first N training and test samples (quick runs)' },
    out: { type: 'string', placeholder: 'PATH', description: 'where to write the pruned ONNX model' },
  },
  async run(positionals, o, io) {
    const source = resolveModel(requirePositional(this, positionals, 0, 'a model'));
    const out = optString(o, 'out');
    if (out === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet prune: --out PATH is required');
    checkWritable(out, { protect: source.path === undefined ? [] : [source.path] });
    const method = optString(o, 'method') ?? 'magnitude';
    if (method in UNSTRUCTURED) return runUnstructured(source, method, o, io, out);
    if ((CRITERION_NAMES as readonly string[]).includes(method)) return runStructured(source, method as CriterionName, o, io, out);
    throw new SlimnetError('INVALID_ARGUMENT', `unknown pruning method '${method}'; unstructured: ${Object.keys(UNSTRUCTURED).join(', ')}; structured: ${CRITERION_NAMES.join(', ')}`);
  },
};
