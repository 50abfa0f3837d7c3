/**
 * `slimnet quantize model.onnx --method NAME [method options] --out q.onnx [--packed q.sldc]`: any method of
 * the quantization registry. The command's flags are the common ones plus every method's declared options
 * (camelCase names spelled in kebab-case); a flag of another method is a typed error.
 */
import { resolveMethodOptions, type MethodOptionSpec, type RawOptionValues } from '../../compress/quantization/method.js';
import { quantizationMethod, quantizationMethods } from '../../compress/quantization/methods.js';
import { quantize } from '../../compress/quantization/quantize.js';
import { SlimnetError } from '../../ir/errors.js';
import { saveModel } from '../../onnx/index.js';
import { formatBytes } from '../../report/format.js';
import { formatMeasurement } from '../../report/measurement.js';
import { formatSummary } from '../../report/summary.js';
import { atomicWrite, checkWritable } from '../../util/atomic-write.js';
import {
  COUNT, optInt, optString, POSITIVE_INT, requirePositional, SEED, type Command, type NumericRule,
  type OptionSpecs, type ParsedOptions,
} from '../command.js';
import { loadDataFor } from '../data-source.js';
import { isFeedDir, readFeedDir } from '../../data/feeds.js';
import { formatFidelity } from '../../metrics/fidelity.js';
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

/** camelCase option name -> kebab-case flag. */
export function flagOf(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

interface MethodFlag {
  readonly option: string;
  readonly methods: string[];
  readonly spec: MethodOptionSpec;
  /** Every method's declaration of the option. */
  readonly specs: Array<{ readonly method: string; readonly spec: MethodOptionSpec }>;
}

function methodFlags(): Map<string, MethodFlag> {
  const flags = new Map<string, MethodFlag>();
  for (const m of quantizationMethods) {
    for (const [option, spec] of Object.entries(m.options)) {
      const flag = flagOf(option);
      if (Object.hasOwn(COMMAND_OPTIONS, flag) || flag === 'json' || flag === 'help') throw new Error(`quantization method '${m.name}' option '${option}' collides with the quantize command's --${flag}`);
      const f = flags.get(flag);
      if (f === undefined) flags.set(flag, { option, methods: [m.name], spec, specs: [{ method: m.name, spec }] });
      else (f.methods.push(m.name), f.specs.push({ method: m.name, spec }));
    }
  }
  return flags;
}


/** One description for all methods; methods whose choices differ (kmeans --init vs hashed --init) each say theirs. */
function flagDescription(f: MethodFlag): string {
  const key = (spec: MethodOptionSpec): string => [...(spec.choices ?? [])].sort().join('|');
  if (f.specs.every((s) => key(s.spec) === key(f.spec))) return `${f.spec.description} [${f.methods.join(', ')}]`;
  const groups = new Map<string, { description: string; methods: string[] }>();
  for (const { method, spec } of f.specs) {
    const g = groups.get(key(spec));
    if (g === undefined) groups.set(key(spec), { description: spec.description, methods: [method] });
    else g.methods.push(method);
  }
  return [...groups.values()].map((g) => `${g.description} [${g.methods.join(', ')}]`).join('; ');
}

/**
 * The values a numeric method flag may take under some method: integer when every declaration is, bounded where
 * every declaration is (the union of their ranges). The selected method's own range is checked afterwards.
 */
function numericRule(f: MethodFlag): NumericRule | undefined {
  const specs = f.specs.map((s) => s.spec);
  if (!specs.every((s) => s.type === 'number' || s.type === 'integer')) return undefined;
  const mins = specs.map((s) => s.min);
  const maxs = specs.map((s) => s.max);
  return {
    kind: specs.every((s) => s.type === 'integer') ? 'integer' : 'number',
    ...(mins.every((m) => m !== undefined) ? { min: Math.min(...(mins as number[])) } : {}),
    ...(maxs.every((m) => m !== undefined) ? { max: Math.max(...(maxs as number[])) } : {}),
  };
}

function flagSpecs(): OptionSpecs {
  const out: Record<string, OptionSpecs[string]> = { ...COMMAND_OPTIONS };
  for (const [flag, f] of methodFlags()) {
    const numeric = numericRule(f);
    out[flag] = {
      type: f.spec.type === 'boolean' ? 'boolean' : 'string',
      placeholder: f.spec.choices === undefined ? f.spec.placeholder ?? 'VALUE' : [...new Set(f.specs.flatMap((s) => s.spec.choices ?? []))].join('|'),
      description: flagDescription(f),
      ...(numeric === undefined ? {} : { numeric }),
    };
  }
  return out;
}

function methodHelp(): string {
  const lines = ['methods (defaults per method):'];
  for (const m of quantizationMethods) {
    lines.push(`  ${m.name}: ${m.summary}${m.reference === undefined ? '' : ` (${m.reference})`}`);
    for (const [name, spec] of Object.entries(m.options)) {
      const def = spec.default === undefined ? '' : ` = ${String(spec.default)}`;
      lines.push(`      --${flagOf(name)}${def}`);
    }
  }
  lines.push('', 'Every run prints test error, size (ONNX, and packed form) with the ratio, and latency at batch 1 and 64.');
  return lines.join('\n');
}

/** The selected method's options from the parsed flags; a flag of another method is an error. */
function rawMethodOptions(method: string, o: ParsedOptions): RawOptionValues {
  const m = quantizationMethod(method);
  const raw: Record<string, string | boolean> = {};
  for (const [flag, f] of methodFlags()) {
    const v = o[flag];
    if (v === undefined) continue;
    if (!Object.hasOwn(m.options, f.option)) {
      throw new SlimnetError('INVALID_ARGUMENT', `--${flag} is an option of ${f.methods.join(', ')}, not of --method ${method} (see slimnet quantize --help)`);
    }
    raw[f.option] = v;
  }
  resolveMethodOptions(m, raw); // bad values fail here, before any data is loaded
  return raw;
}

export const quantizeCommand: Command = {
  name: 'quantize',
  summary: 'Quantize a model (int8, fixed point, k-means sharing, binary / ternary, hashed / circulant) and measure error, size and latency.',
  positionals: '<model.onnx|zoo-name>',
  // Derived from the registry when asked, so methods registered later get their flags and help too.
  get options() { return flagSpecs(); },
  get details() { return methodHelp(); },
  async run(positionals, o, io) {
    const source = resolveModel(requirePositional(this, positionals, 0, 'a model'));
    const method = optString(o, 'method');
    if (method === undefined) throw new SlimnetError('INVALID_ARGUMENT', `slimnet quantize: --method is required (${quantizationMethods.map((m) => m.name).join(', ')})`);
    const raw = rawMethodOptions(method, o);
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
    const feeds = isFeedDir(spec) ? readFeedDir(spec) : undefined;
    const data = feeds === undefined ? loadDataFor(source, spec, dataOpts) : undefined;
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
