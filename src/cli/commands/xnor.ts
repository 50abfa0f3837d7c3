/**
 * `slimnet xnor model.onnx`: finds the binary layers (Sign → Conv/Gemm with ±1 weights → per-channel Mul),
 * reports the packed size, checks the XNOR runner against onnxruntime and measures both at batch 1 and 64.
 */
import { binaryReport } from '../../compress/quantization/binary-deploy/index.js';
import { SlimnetError } from '../../ir/errors.js';
import type { XnorIsa } from '../../kernels/xnor/index.js';
import { formatBytes, formatInt, formatMs } from '../../report/format.js';
import { formatTable } from '../../report/table.js';
import { optInt, optString, POSITIVE_INT, requirePositional, type Command } from '../command.js';
import { resolveModel } from '../model-source.js';

const ISAS = ['auto', 'avx512', 'avx2', 'scalar'];

export const xnorCommand: Command = {
  name: 'xnor',
  summary: 'Run a binary model\'s Sign → Conv/Gemm(±1) layers on the XNOR-popcount kernel: layers, packed size, agreement and speed vs onnxruntime float.',
  positionals: '<model.onnx>',
  options: {
    'batch-sizes': { type: 'string', placeholder: 'LIST', description: 'comma-separated batch sizes to measure (empty: none)', default: '1,64' },
    runs: {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'timed runs per engine and batch size (interleaved)', default: '50',
    },
    threads: {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'onnxruntime and kernel threads', default: '1',
    },
    isa: { type: 'string', placeholder: ISAS.join('|'), description: 'XNOR kernel variant', default: 'auto' },
  },
  details: 'Without the native addon (scripts/build-native.sh) the runner falls back to onnxruntime and says so.\n'
    + 'The deployment form: BatchNormalization (optional) → Sign → Conv/Gemm with weights only ±1 → Mul by a\n'
    + '[1,M,1,1] / [M] scale (optional) → Add of a same-shaped tensor (optional).',
  async run(positionals, o, io) {
    const source = resolveModel(requirePositional(this, positionals, 0, 'a model'));
    const isa = optString(o, 'isa') ?? 'auto';
    if (!ISAS.includes(isa)) throw new SlimnetError('INVALID_ARGUMENT', `--isa must be one of ${ISAS.join(', ')}, got '${isa}'`);
    const list = optString(o, 'batch-sizes') ?? '1,64';
    const batchSizes = list.trim() === '' ? [] : list.split(',').map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1) throw new SlimnetError('INVALID_ARGUMENT', `--batch-sizes expects positive integers, got '${s}'`);
      return n;
    });
    const r = await binaryReport(source.model, {
      batchSizes, runs: optInt(o, 'runs', 50), threads: optInt(o, 'threads', 1), isa: isa as XnorIsa | 'auto',
      ...(o.json === true ? {} : { onMeasure: (n: number) => io.err(`xnor: measuring batch ${n}...`) }),
    });
    if (o.json === true) {
      io.out(JSON.stringify({ model: source.label, ...r }, null, 2));
      return 0;
    }
    io.out(`${source.label}: ${r.layers.length} binary layer(s), ${formatInt(r.size.binaryWeights)} ±1 weights`);
    io.out(`  packed size  ${formatBytes(r.size.totalBytes)} (binary ${formatBytes(r.size.binaryBytes)} + other ${formatBytes(r.size.otherBytes)}), as stored ${formatBytes(r.size.unpackedBytes)}`);
    if (r.layers.length > 0) {
      io.out('');
      io.out(formatTable(
        [{ header: 'binary layer' }, { header: 'kind' }, { header: 'out', align: 'right' }, { header: 'bits per output', align: 'right' }],
        r.layers.map((l) => [l.node, l.kind, String(l.outChannels), String(l.reduction)]),
      ));
    }
    for (const s of r.skipped) io.out(`  left to onnxruntime: ${s.opType} '${s.node}': ${s.reason}`);
    if (r.measurements.length > 0) {
      const engine = r.measurements[0]?.engine;
      io.out('');
      io.out(formatTable(
        [{ header: 'batch' }, { header: 'onnxruntime', align: 'right' }, { header: `runner (${engine ?? '?'})`, align: 'right' }, { header: 'speedup', align: 'right' }, { header: 'cpu speedup', align: 'right' }, { header: 'max |diff|', align: 'right' }],
        r.measurements.map((m) => [
          String(m.onnxruntime.batchSize), formatMs(m.onnxruntime.medianMs), formatMs(m.runner.medianMs), `${m.speedup.toFixed(2)}×`,
          `${(m.cpuMs.onnxruntime / m.cpuMs.runner).toFixed(2)}×`, m.maxAbsDiff.toExponential(1),
        ]),
      ));
      io.out(`  (medians of interleaved runs, ${optInt(o, 'threads', 1)} thread(s); the whole model on onnxruntime vs the XNOR runner)`);
    }
    return 0;
  },
};
