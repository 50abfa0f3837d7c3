/**
 * `slimnet quantize model.onnx --method NAME [method options] --out q.onnx [--packed q.sldc]`: any method of
 * the quantization registry. The command's flags are the common ones plus every method's declared options
 * (camelCase names spelled in kebab-case); a flag of another method is a typed error.
 */
import { quantizationMethod, quantizationMethods } from '../../compress/quantization/methods.js';
import { quantize } from '../../compress/quantization/quantize.js';
import { SlimnetError } from '../../ir/errors.js';
import { saveModel } from '../../onnx/index.js';
import { formatBytes } from '../../report/format.js';
import { formatMeasurement } from '../../report/measurement.js';
import { formatSummary } from '../../report/summary.js';
import { atomicWrite, checkWritable } from '../../util/atomic-write.js';
import {
  COUNT, optInt, optString, POSITIVE_INT, requirePositional, SEED, type Command, type OptionSpecs,
} from '../command.js';
import { loadDataFor } from '../data-source.js';
import { isFeedDir } from '../../data/feeds.js';
import { readFeedsFor } from '../feeds-source.js';
import { formatFidelity } from '../../metrics/fidelity.js';
import { methodFlagHelp, methodFlagSpecs, methodOptionsFromFlags } from '../method-flags.js';
import { resolveModel } from '../model-source.js';
import { trainingProgress } from '../progress.js';

const COMMAND_OPTIONS: OptionSpecs = {
  method: { type: 'string', placeholder: 'NAME', description: 'quantization method (see the list below)' },
  data: { type: 'string', placeholder: 'mnist|fashion-mnist|PATH', description: 'calibration / fine-tuning (train split) and evaluation (test split) data, or a feed directory (<input>.npy per model input, labels optional: post-training methods, fidelity reported)', default: 'mnist' },
  limit: {
    type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
    description: 'use only the first N training and test samples (quick runs)',
  },
  'test-limit': {
    type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
    description: 'evaluate on the first N test samples only',
  },
  threads: {
    type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
    description: 'onnxruntime threads for calibration, training and evaluation', default: '2',
  },
  seed: { type: 'string', placeholder: 'N', numeric: SEED, description: 'seed of everything random', default: '0' },
  'latency-runs': {
    type: 'string', placeholder: 'N', numeric: COUNT,
    description: 'timed latency runs per model and batch size (0 = skip)', default: '50',
  },
  out: { type: 'string', placeholder: 'PATH', description: 'where to write the quantized ONNX model' },
  packed: { type: 'string', placeholder: 'PATH', description: "also write the method's packed form (kmeans, fixed <= 8 bits: .sldc container)" },
};

export const quantizeCommand: Command = {
  name: 'quantize',
  summary: 'Quantize a model (int8, fixed point, k-means sharing, binary / ternary, hashed / circulant) and measure error, size and latency.',
  positionals: '<model.onnx|zoo-name>',
  // Derived from the registry when asked, so methods registered later get their flags and help too.
  get options() { return methodFlagSpecs(quantizationMethods, COMMAND_OPTIONS); },
  get details() {
    return [...methodFlagHelp(quantizationMethods), '',
      'Every run prints test error, size (ONNX, and packed form) with the ratio, and latency at batch 1 and 64.'].join('\n');
  },
  async run(positionals, o, io) {
    const source = resolveModel(requirePositional(this, positionals, 0, 'a model'));
    const method = optString(o, 'method');
    if (method === undefined) throw new SlimnetError('INVALID_ARGUMENT', `slimnet quantize: --method is required (${quantizationMethods.map((m) => m.name).join(', ')})`);
    const raw = methodOptionsFromFlags(quantizationMethods, quantizationMethod(method), COMMAND_OPTIONS, o);
    const out = optString(o, 'out');
    if (out === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet quantize: --out PATH is required (where to write the quantized model)');
    const protect = source.path === undefined ? [] : [source.path];
    checkWritable(out, { protect });
    const packedPath = optString(o, 'packed');
    if (packedPath !== undefined) checkWritable(packedPath, { protect: [...protect, out] });
    const limit = optString(o, 'limit') === undefined ? undefined : optInt(o, 'limit', 0);
    const testLimit = optString(o, 'test-limit') === undefined ? limit : optInt(o, 'test-limit', 0);
    const dataOpts = { ...(limit === undefined ? {} : { limit }), ...(testLimit === undefined ? {} : { testLimit }) };
    const spec = optString(o, 'data') ?? 'mnist';
    const feeds = isFeedDir(spec) ? readFeedsFor(spec, io) : undefined;
    const data = feeds === undefined ? loadDataFor(source, spec, dataOpts, io) : undefined;
    const json = o.json === true;
    const r = await quantize(source.model, {
      method, options: raw, ...(data === undefined ? {} : { data }), ...(feeds === undefined ? {} : { feeds }), threads: optInt(o, 'threads', 2), seed: optInt(o, 'seed', 0),
      measure: { latencyRuns: optInt(o, 'latency-runs', 50) },
      ...(json ? {} : { onProgress: trainingProgress(io), log: (m: string) => io.err(m) }),
    });
    if (packedPath !== undefined && r.packed === undefined) {
      const why = `--method ${method} with these options has no packed form; nothing was written; drop --packed`;
      throw new SlimnetError('INVALID_ARGUMENT', why);
    }
    saveModel(r.model, out, { protect });
    if (packedPath !== undefined && r.packed !== undefined) atomicWrite(packedPath, r.packed.bytes, { protect: [...protect, out] });
    if (json) {
      io.out(JSON.stringify({
        model: source.label, method: r.method, options: r.options, out, ...(packedPath === undefined ? {} : { packed: packedPath }),
        seconds: r.seconds, report: r.report, measurement: r.measurement, fidelity: r.fidelity,
      }, null, 2));
      return 0;
    }
    io.out(`${source.label}: quantize --method ${r.method} (${r.seconds.toFixed(1)} s)`);
    io.out(formatSummary(r.summary));
    io.out('');
    if (r.measurement !== undefined) io.out(formatMeasurement(r.measurement).join('\n'));
    if (r.fidelity !== undefined) {
      io.out(`fidelity to the input model on ${feeds?.source ?? 'the data'} (${r.fidelity.count} samples):`);
      for (const line of formatFidelity(r.fidelity.outputs)) io.out(`  ${line}`);
    }
    io.out(`saved ${out}${packedPath !== undefined && r.packed !== undefined ? ` and ${packedPath} (${formatBytes(r.packed.bytes.length)}, ${r.packed.description})` : ''}`);
    return 0;
  },
};
