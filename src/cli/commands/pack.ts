/**
 * `slimnet pack model.onnx --out m.sldc` and `slimnet unpack m.sldc --out m.onnx`: the Deep Compression
 * container (FORMAT.md). Layers with at most 2^max-bits distinct nonzero values (pruned / shared / fixed-
 * point weights) are stored sparse, shared and Huffman-coded; pack verifies the round trip bit for bit.
 */
import { packWithReport, roundTripMismatches, unpack, type UnpackOptions } from '../../compress/coding/container.js';
import { formatSizeTable } from '../../compress/coding/size-table.js';
import { measureCompression } from '../../compress/measure.js';
import { loadDataset } from '../../data/index.js';
import type { Split } from '../../data/types.js';
import { SlimnetError } from '../../ir/errors.js';
import { encodeModel, saveModel } from '../../onnx/index.js';
import { readModelFile } from '../../onnx/model-file.js';
import { evaluate } from '../../runtime/evaluate.js';
import { measureLatency } from '../../runtime/latency.js';
import { formatBytes, formatInt, formatMs, formatPercent } from '../../report/format.js';
import { formatMeasurement } from '../../report/measurement.js';
import { atomicWrite, checkWritable } from '../../util/atomic-write.js';
import type { Model } from '../../ir/graph.js';
import {
  optInt, optNumber, optString, POSITIVE, requirePositional, type Command, type OptionSpecs, type ParsedOptions,
} from '../command.js';
import { resolveModel } from '../model-source.js';
import type { NumericRule } from '../numeric-flags.js';

/** Codebook and relative-index widths the container format stores (FORMAT.md: gaps of at most 16 bits). */
const BITS: NumericRule = { kind: 'integer', min: 1, max: 16 };

const EVAL_OPTIONS: OptionSpecs = {
  data: { type: 'string', placeholder: 'mnist|fashion-mnist|PATH|none', description: 'test data for the error check (none = skip)', default: 'mnist' },
  limit: { type: 'string', placeholder: 'N', description: 'evaluate on the first N test samples only' },
  threads: { type: 'string', placeholder: 'N', description: 'onnxruntime threads for evaluation', default: '2' },
  'latency-runs': { type: 'string', placeholder: 'N', description: 'timed latency runs per batch size (0 = skip)', default: '50' },
};

function testSplit(o: ParsedOptions): Split | undefined {
  const spec = optString(o, 'data') ?? 'mnist';
  if (spec === 'none') return undefined;
  const limit = optString(o, 'limit') === undefined ? undefined : optInt(o, 'limit', 0);
  return loadDataset(spec, limit === undefined ? {} : { testLimit: limit, limit: 1 }).test;
}

/** `slimnet pack model.onnx --out m.sldc`. */
export const packCommand: Command = {
  name: 'pack',
  summary: 'Pack a pruned / shared model into the Deep Compression container (bit-exact, Huffman-coded).',
  positionals: '<model.onnx>',
  options: {
    'max-bits': { type: 'string', placeholder: 'B', numeric: BITS, description: 'layers with more than 2^B distinct nonzero values stay raw ONNX', default: '8' },
    'conv-gap-bits': { type: 'string', placeholder: 'B', numeric: BITS, description: 'relative-index bits of conv layers', default: '8' },
    'fc-gap-bits': { type: 'string', placeholder: 'B', numeric: BITS, description: 'relative-index bits of fully-connected layers', default: '4' },
    ...EVAL_OPTIONS,
    out: { type: 'string', placeholder: 'PATH', description: 'where to write the container (.sldc)' },
  },
  details: 'The container is checked by unpacking it: every initializer must come back bit for bit.',
  async run(positionals, o, io) {
    const source = resolveModel(requirePositional(this, positionals, 0, 'a model'));
    const out = optString(o, 'out');
    if (out === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet pack: --out PATH is required');
    const protect = source.path === undefined ? [] : [source.path];
    checkWritable(out, { protect });
    const { bytes, report } = packWithReport(source.model, {
      maxBits: optInt(o, 'max-bits', 8), gapBits: { conv: optInt(o, 'conv-gap-bits', 8), fc: optInt(o, 'fc-gap-bits', 4) },
    });
    const bad = roundTripMismatches(source.model, bytes);
    if (bad.length > 0) throw new SlimnetError('RUNTIME', `pack: the container does not reproduce ${bad.join(', ')} bit for bit; nothing was written`);
    const test = testSplit(o);
    const measurement = await measureCompression(source.model, unpack(bytes, { maxUnpackedBytes: Infinity }), {
      ...(test === undefined ? {} : { test }), packedBytes: bytes.length, threads: optInt(o, 'threads', 2), latencyRuns: optInt(o, 'latency-runs', 50),
    });
    atomicWrite(out, bytes, { protect });
    if (o.json === true) {
      io.out(JSON.stringify({ model: source.label, out, bitExact: true, pack: report, measurement }, null, 2));
      return 0;
    }
    io.out(formatSizeTable(report));
    io.out(`dense float32 weights ${formatInt(report.denseBytes)} B -> container ${formatInt(report.totalBytes)} B: ${report.ratio.toFixed(1)}x smaller; round trip bit-exact`);
    io.out(formatMeasurement(measurement).join('\n'));
    io.out(`saved ${out}`);
    return 0;
  },
};

/** unpack() with the container's path in any error; 'CONTAINER_CORRUPT' for anything unexpected. */
function unpackFile(path: string, bytes: Uint8Array, maxMb: number | undefined): Model {
  const opts: UnpackOptions = maxMb === undefined ? {} : { maxUnpackedBytes: Math.floor(maxMb * 2 ** 20) };
  try {
    return unpack(bytes, opts);
  } catch (e) {
    if (e instanceof SlimnetError) throw new SlimnetError(e.code, `'${path}': ${e.message}`, { cause: e });
    const why = e instanceof Error ? e.message : String(e);
    throw new SlimnetError('CONTAINER_CORRUPT', `'${path}' is not a valid container: ${why}`, { cause: e });
  }
}

/** `slimnet unpack m.sldc --out m.onnx`. */
export const unpackCommand: Command = {
  name: 'unpack',
  summary: 'Unpack a Deep Compression container back to ONNX (bit-exact).',
  positionals: '<model.sldc>',
  options: {
    ...EVAL_OPTIONS,
    'max-unpacked-mb': {
      type: 'string', placeholder: 'MB', numeric: POSITIVE,
      description: 'refuse containers whose layers decode to more (default 256x the file size, at least 64 MiB)',
    },
    out: { type: 'string', placeholder: 'PATH', description: 'where to write the ONNX model' },
  },
  details: 'The container\'s checksums and every length in it are verified before anything is decoded; a damaged\n'
    + 'file is a CONTAINER_CORRUPT error naming the section, and nothing is written.',
  async run(positionals, o, io) {
    const path = requirePositional(this, positionals, 0, 'a container file');
    const out = optString(o, 'out');
    if (out === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet unpack: --out PATH is required');
    checkWritable(out, { protect: [path] });
    const bytes = readModelFile(path).bytes;
    const model = unpackFile(path, bytes, optNumber(o, 'max-unpacked-mb'));
    const onnxBytes = encodeModel(model).length;
    const test = testSplit(o);
    const threads = optInt(o, 'threads', 2);
    const error = test === undefined ? undefined : await evaluate(model, test, { threads });
    const runs = optInt(o, 'latency-runs', 50);
    const latency = [];
    for (const batchSize of runs > 0 ? [1, 64] : []) latency.push(await measureLatency(model, { batchSize, runs, threads: 1 }));
    saveModel(model, out, { protect: [path] });
    const summary = {
      container: path, out, size: { container: bytes.length, onnx: onnxBytes, ratio: onnxBytes / bytes.length },
      ...(error === undefined ? {} : { error: { top1: error.top1Error, samples: error.count } }), latency,
    };
    if (o.json === true) {
      io.out(JSON.stringify(summary, null, 2));
      return 0;
    }
    io.out(`size         ${formatBytes(bytes.length)} container -> ${formatBytes(onnxBytes)} ONNX (${(onnxBytes / bytes.length).toFixed(1)}x larger unpacked)`);
    if (error !== undefined) {
      const how = `${error.count} samples; checksums verified, weights bit-exact`;
      io.out(`test error   ${formatPercent(error.top1Error)} (${how})`);
    }
    for (const l of latency) io.out(`latency b=${String(l.batchSize).padEnd(3)}${formatMs(l.medianMs)} (median of ${l.runs}, 1 thread)`);
    io.out(`saved ${out}`);
    return 0;
  },
};
