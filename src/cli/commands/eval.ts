/**
 * `slimnet eval model.onnx --data mnist`: top-1 / top-5 error on the test split, and latency. With a feed
 * directory (`--data dir` of `<input>.npy` files, labels optional) it summarises the outputs (and the top-1 error
 * where there are labels); with `--reference orig.onnx` it reports fidelity to that model (agreement, cosine, SQNR).
 */
import { formatFidelity, type OutputFidelity } from '../../metrics/fidelity.js';
import { compareModels, describeOutputs } from '../../runtime/compare.js';
import { compareLayers } from '../../runtime/layer-fidelity.js';
import { evaluate } from '../../runtime/evaluate.js';
import { measureLatency } from '../../runtime/latency.js';
import { formatMs, formatPercent } from '../../report/format.js';
import { formatTable } from '../../report/table.js';
import {
  COUNT, optInt, optString, POSITIVE_INT, requirePositional, type Command, type CommandIo, type ParsedOptions,
} from '../command.js';
import { loadDataFor } from '../data-source.js';
import { isFeedDir } from '../../data/feeds.js';
import { loadFeedsFor } from '../feeds-source.js';
import { resolveModel, type ModelSource } from '../model-source.js';
import { progressLine } from '../progress.js';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Evaluate a model: top-1/top-5 error on a data set and onnxruntime latency.',
  positionals: '<model.onnx|zoo-name>',
  options: {
    data: {
      type: 'string', placeholder: 'mnist|fashion-mnist|PATH', default: 'mnist',
      description: 'data set to evaluate on (its test split), or a feed directory (<input>.npy per model input)',
    },
    reference: {
      type: 'string', placeholder: 'PATH',
      description: 'report fidelity to this model (top-1 agreement, cosine, SQNR, max |Δ|) instead of only errors',
    },
    'per-layer': {
      type: 'boolean',
      description: 'with --reference: also the SQNR and cosine of every value both models compute (where they part)',
    },
    'batch-size': {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'samples per inference call', default: '256',
    },
    limit: {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'evaluate only the first N test samples',
    },
    threads: {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'onnxruntime intra-op threads', default: '2',
    },
    'latency-runs': {
      type: 'string', placeholder: 'N', numeric: COUNT,
      description: 'timed runs per latency measurement (0 = skip)', default: '50',
    },
  },
  details: 'Latency is the median (and p90) of timed runs after 10 warm-up runs, at batch 1 and batch 64.',
  async run(positionals, o, io) {
    const source = resolveModel(requirePositional(this, positionals, 0, 'a model'));
    const dataSpec = optString(o, 'data') ?? 'mnist';
    const limit = optString(o, 'limit') === undefined ? undefined : optInt(o, 'limit', 0);
    const threads = optInt(o, 'threads', 2);
    const reference = optString(o, 'reference');
    if (reference !== undefined || isFeedDir(dataSpec)) {
      return evalFeeds(source, reference === undefined ? undefined : resolveModel(reference), o, io);
    }
    const data = loadDataFor(source, dataSpec, limit === undefined ? {} : { testLimit: limit, limit: 1 }, io);
    const progress = o.json === true ? undefined : progressLine(io, 'eval');
    const acc = await evaluate(source.model, data.test, {
      batchSize: optInt(o, 'batch-size', 256),
      threads,
      ...(progress === undefined ? {} : { onProgress: (done: number, total: number) => progress.update(done, total) }),
    });
    progress?.done();
    const runs = optInt(o, 'latency-runs', 50);
    const latency = [];
    // Sequential on purpose: concurrent measurements would steal each other's cores.
    for (const batchSize of runs <= 0 ? [] : [1, 64]) latency.push(await measureLatency(source.model, { batchSize, runs, threads }));
    const result = { model: source.label, data: data.name, samples: acc.count, top1Error: acc.top1Error, top5Error: acc.top5Error, latency };
    if (o.json === true) {
      io.out(JSON.stringify(result, null, 2));
      return 0;
    }
    io.out(`${source.label} on ${data.name} (${acc.count} test samples)`);
    io.out(`  top-1 error  ${formatPercent(acc.top1Error)}`);
    io.out(`  top-5 error  ${formatPercent(acc.top5Error)}`);
    if (latency.length > 0) {
      io.out('');
      io.out(formatTable(
        [{ header: 'batch' }, { header: 'median', align: 'right' }, { header: 'p90' }, { header: 'per sample' }],
        latency.map((l) => [String(l.batchSize), formatMs(l.medianMs), formatMs(l.p90Ms), formatMs(l.medianMs / l.batchSize)]),
      ));
      io.out(`  (${threads} thread(s), ${runs} timed runs after warm-up)`);
    }
    return 0;
  },
};

/** eval on feeds: fidelity to `reference` when given, else output statistics (and labelled error if any). */
async function evalFeeds(
  source: ModelSource, reference: ModelSource | undefined, o: ParsedOptions, io: CommandIo,
): Promise<number> {
  const spec = optString(o, 'data') ?? 'mnist';
  const limit = optString(o, 'limit') === undefined ? undefined : optInt(o, 'limit', 0);
  const feeds = loadFeedsFor(source, spec, limit === undefined ? {} : { testLimit: limit, limit: 1 }, io);
  const opts = { batchSize: optInt(o, 'batch-size', 256), threads: optInt(o, 'threads', 2) };
  if (reference !== undefined) {
    const c = await compareModels(reference.model, source.model, feeds, opts);
    const layers = o['per-layer'] === true
      ? await compareLayers(reference.model, source.model, feeds, opts) : undefined;
    if (o.json === true) {
      const all = { model: source.label, reference: reference.label, data: feeds.source, ...c, layers };
      io.out(JSON.stringify(all, null, 2));
      return 0;
    }
    io.out(`${source.label} against ${reference.label} on ${feeds.source} (${c.count} samples)`);
    for (const line of formatFidelity(c.outputs)) io.out(`  ${line}`);
    if (c.labelled !== undefined) {
      io.out(`  top-1 error (${c.labelled.output})  ${formatPercent(c.labelled.reference)} -> `
        + `${formatPercent(c.labelled.candidate)}`);
    }
    if (layers !== undefined) io.out(formatLayers(layers));
    return 0;
  }
  const d = await describeOutputs(source.model, feeds, opts);
  if (o.json === true) {
    io.out(JSON.stringify({ model: source.label, data: feeds.source, ...d }, null, 2));
    return 0;
  }
  io.out(`${source.label} on ${feeds.source} (${d.count} samples)`);
  for (const s of d.outputs) {
    io.out(`  ${s.name} [N, ${s.sampleShape.join(', ')}]: mean ${s.mean.toPrecision(4)}, std ${s.std.toPrecision(4)}, `
      + `min ${s.min.toPrecision(4)}, max ${s.max.toPrecision(4)}`);
  }
  if (d.labelled !== undefined) io.out(`  top-1 error (${d.labelled.output})  ${formatPercent(d.labelled.top1Error)}`);
  return 0;
}

/** The per-layer table: value, SQNR, cosine, max |Δ|, in the reference's node order. */
function formatLayers(layers: readonly OutputFidelity[]): string {
  const db = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '∞');
  return ['', 'per layer (values both models compute):', formatTable(
    [{ header: 'value' }, { header: 'SQNR dB', align: 'right' }, { header: 'cosine', align: 'right' },
      { header: 'max |Δ|', align: 'right' }],
    layers.map((l) => [l.name, db(l.sqnrDb), l.cosine.toFixed(5), l.maxAbsError.toPrecision(3)]),
  )].join('\n');
}
