/**
 * `slimnet share model.onnx --method hashed|circulant --out P`: weight sharing by construction (HashedNets,
 * circulant layers), trained end to end; prints the per-layer parameter table, error, file sizes and the
 * measured latency against the input model. `--packed P` also writes the packed HashedNets form;
 * `slimnet share --unpack F.slhn --out P` turns a packed file back into the ONNX model.
 */
import { readFileSync } from 'node:fs';
import { SHARING_METHODS, sharingMethod } from '../../compress/sharing/methods.js';
import { sharingMethodOptions } from '../../compress/sharing/quantize-adapter.js';
import { resolveMethodOptions } from '../../compress/registry.js';
import { packHashedWithReport, unpackHashed } from '../../compress/sharing/hashed/pack.js';
import { SlimnetError } from '../../ir/errors.js';
import { assertFiniteWeights } from '../../ir/finite.js';
import { encodeModel, saveModel } from '../../onnx/index.js';
import { formatBytes, formatInt, formatMs, formatPercent } from '../../report/format.js';
import { formatTable } from '../../report/table.js';
import { evaluate } from '../../runtime/evaluate.js';
import { compareLatency, type LatencyComparison } from '../../runtime/latency.js';
import { atomicWrite, checkWritable } from '../../util/atomic-write.js';
import {
  COUNT, optInt, optString, POSITIVE_INT, requirePositional, SEED, type Command, type CommandIo, type OptionSpecs,
} from '../command.js';
import { loadDataFor } from '../data-source.js';
import { resolveModel } from '../model-source.js';
import { methodFlagHelp, methodFlagSpecs, methodOptionsFromFlags } from '../method-flags.js';
import { trainingProgress } from '../progress.js';

function unpack(file: string, out: string, io: CommandIo): number {
  checkWritable(out, { protect: [file] });
  const model = unpackHashed(new Uint8Array(readFileSync(file)));
  assertFiniteWeights(model, `packed file '${file}'`);
  saveModel(model, out, { protect: [file] });
  io.out(`unpacked ${file} -> ${out} (${formatBytes(encodeModel(model).length)} ONNX)`);
  return 0;
}

/** The command's own flags; each method's options become flags too (methodFlagSpecs). */
const COMMAND_OPTIONS: OptionSpecs = {
  method: { type: 'string', placeholder: 'NAME', description: 'weight-sharing method (see the list below)' },
  seed: {
    type: 'string', placeholder: 'N', numeric: SEED,
    description: 'seed of hashes, sign vectors, random init and batch order', default: '0',
  },
  data: {
    type: 'string', placeholder: 'mnist|fashion-mnist|PATH', description: 'training / evaluation data', default: 'mnist',
  },
  threads: {
    type: 'string', placeholder: 'N', numeric: POSITIVE_INT, description: 'onnxruntime intra-op threads', default: '2',
  },
  limit: {
    type: 'string', placeholder: 'N', numeric: POSITIVE_INT, description: 'use only the first N training samples',
  },
  'test-limit': {
    type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
    description: 'use only the first N test samples (the final evaluation)',
  },
  'latency-runs': {
    type: 'string', placeholder: 'N', numeric: COUNT,
    description: 'timed latency runs per model and batch size (0: skip)', default: '50',
  },
  out: { type: 'string', placeholder: 'PATH', description: 'where to write the ONNX model' },
  packed: { type: 'string', placeholder: 'PATH', description: 'hashed: also write the packed form (buckets + seeds)' },
  unpack: {
    type: 'string', placeholder: 'FILE', description: 'turn a packed HashedNets file back into ONNX (no model argument)',
  },
};

export const shareCommand: Command = {
  name: 'share',
  summary: 'Weight sharing by construction: HashedNets or circulant fully-connected layers, trained end to end.',
  positionals: '<model.onnx|zoo-name>',
  get options() { return methodFlagSpecs(SHARING_METHODS, COMMAND_OPTIONS); },
  get details() {
    return [...methodFlagHelp(SHARING_METHODS), '', 'Examples:',
      '  slimnet share lenet.onnx --method hashed --factor 8 --epochs 10 --out h8.onnx --packed h8.slhn',
      '  slimnet share lenet.onnx --method circulant --exclude fc3 --mode fft --epochs 10 --out circ.onnx'].join('\n');
  },
  async run(positionals, o, io) {
    const out = optString(o, 'out');
    if (out === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet share: --out PATH is required');
    const packedFile = optString(o, 'unpack');
    if (packedFile !== undefined) return unpack(packedFile, out, io);
    const source = resolveModel(requirePositional(this, positionals, 0, 'a model'), { seed: optInt(o, 'seed', 0) });
    const method = sharingMethod(optString(o, 'method') ?? '');
    const packed = optString(o, 'packed');
    if (packed !== undefined && method.name !== 'hashed') throw new SlimnetError('INVALID_ARGUMENT', '--packed applies to --method hashed');
    const protect = source.path === undefined ? [] : [source.path];
    for (const p of [out, ...(packed === undefined ? [] : [packed])]) checkWritable(p, { protect });
    const raw = methodOptionsFromFlags(SHARING_METHODS, method, COMMAND_OPTIONS, o);
    const limit = optString(o, 'limit') === undefined ? {} : { limit: optInt(o, 'limit', 0) };
    const testLimit = optInt(o, 'test-limit', Number.MAX_SAFE_INTEGER);
    const data = loadDataFor(source, optString(o, 'data') ?? 'mnist', { ...limit, testLimit });
    const threads = optInt(o, 'threads', 2);
    const options = sharingMethodOptions(method.name, resolveMethodOptions(method, raw), {
      data, seed: optInt(o, 'seed', 0), threads, ...(o.json === true ? {} : { onProgress: trainingProgress(io) }),
    });
    const { model, report } = await method.run(source.model, options);
    const pack = packed === undefined ? undefined : packHashedWithReport(model);
    const errors = [(await evaluate(source.model, data.test, { threads })).top1Error, (await evaluate(model, data.test, { threads })).top1Error];
    const runs = optInt(o, 'latency-runs', 50);
    const latency: LatencyComparison[] = [];
    for (const batchSize of runs > 0 ? [1, 64] : []) latency.push(await compareLatency(source.model, model, { batchSize, runs, threads: 1 }));
    // Written last: a failure anywhere above leaves no output file.
    saveModel(model, out, { protect });
    if (packed !== undefined && pack !== undefined) atomicWrite(packed, pack.bytes, { protect });
    const bytes = { before: encodeModel(source.model).length, onnx: encodeModel(model).length, ...(pack === undefined ? {} : { packed: pack.report.totalBytes }) };
    if (o.json === true) return (io.out(JSON.stringify({ model: source.label, method: method.name, out, report, errors, bytes, latency }, null, 2)), 0);
    io.out(formatTable(
      [{ header: 'layer' }, { header: 'in → out' }, { header: 'dense weights', align: 'right' }, { header: 'parameters', align: 'right' }, { header: 'ratio', align: 'right' }, { header: 'structure' }],
      report.layers.map((l) => [l.node, `${l.inFeatures} → ${l.outFeatures}`, formatInt(l.denseParams), formatInt(l.params), `${l.ratio.toFixed(1)}x`, l.detail]),
    ));
    io.out(`parameters ${formatInt(report.paramsBefore)} -> ${formatInt(report.paramsAfter)} (${report.ratio.toFixed(1)}x fewer)`);
    io.out(`test error ${formatPercent(errors[0] as number)} -> ${formatPercent(errors[1] as number)}`);
    io.out(`file ${formatBytes(bytes.before)} -> ONNX ${formatBytes(bytes.onnx)}${bytes.packed === undefined ? '' : `, packed ${formatBytes(bytes.packed)}`}`);
    for (const l of latency) io.out(`latency batch ${l.a.batchSize}: ${formatMs(l.a.medianMs)} -> ${formatMs(l.b.medianMs)} (${l.speedup.toFixed(2)}x, median of ${l.a.runs} runs, 1 thread)`);
    io.out(`saved ${out}${packed === undefined ? '' : ` and ${packed}`}`);
    return 0;
  },
};
