/** `slimnet inspect model.onnx`: per-layer parameters, MACs and activations, with totals. */
import { statSync } from 'node:fs';
import { modelStats, type LayerStat, type ModelStats } from '../../metrics/index.js';
import { shapeToString } from '../../ir/shape.js';
import { formatBytes, formatInt, formatSi } from '../../report/format.js';
import { formatTable } from '../../report/table.js';
import { optInt, POSITIVE_INT, requirePositional, type Command } from '../command.js';
import { resolveModel } from '../model-source.js';

function share(part: number, total: number): string {
  return total === 0 ? '' : `${((100 * part) / total).toFixed(1)} %`;
}

function layerRows(layers: readonly LayerStat[], totals: ModelStats, all: boolean): string[][] {
  return layers
    .filter((l) => all || l.params > 0 || l.macs > 0)
    .map((l) => [
      l.op, l.name, shapeToString(l.outputShape), formatInt(l.params),
      l.nonzeroParams === l.params ? '' : formatInt(l.nonzeroParams),
      l.counted ? formatInt(l.macs) : 'n/a', share(l.macs, totals.macs),
    ]);
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Per-layer table of a model: op, output shape, parameters, MACs and their share.',
  positionals: '<model.onnx|zoo-name>',
  options: {
    'batch-size': {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'batch size used for a symbolic batch dimension', default: '1',
    },
    all: { type: 'boolean', description: 'list every node, not only layers with parameters or MACs' },
  },
  details: 'MACs count multiply-accumulates of Conv/Gemm/MatMul/RNN cores; bias adds, BN, pooling and\nelementwise ops are counted separately as element ops (see --json).',
  async run(positionals, o, io) {
    const source = resolveModel(requirePositional(this, positionals, 0, 'a model'));
    const stats = modelStats(source.model, { batchSize: optInt(o, 'batch-size', 1) });
    const fileBytes = source.path === undefined ? undefined : statSync(source.path).size;
    if (o.json === true) {
      io.out(JSON.stringify({ model: source.label, fileBytes, ...stats }, null, 2));
      return 0;
    }
    const columns = [
      { header: 'op' }, { header: 'name' }, { header: 'output', align: 'left' as const }, { header: 'params' },
      { header: 'nonzero' }, { header: 'MACs' }, { header: 'MAC share' },
    ];
    io.out(`${source.label}  (opset ${source.model.opsetImports.get('') ?? '?'}, ${source.model.graph.nodes.length} nodes)`);
    io.out(formatTable(columns, layerRows(stats.layers, stats, o.all === true)));
    io.out('');
    io.out(`parameters   ${formatInt(stats.params)}  (nonzero ${formatInt(stats.nonzeroParams)})`);
    io.out(`MACs         ${formatSi(stats.macs)} (${formatInt(stats.macs)}) per batch of ${stats.batchSize}`);
    io.out(`element ops  ${formatSi(stats.elementOps)}`);
    io.out(`activations  ${formatBytes(stats.activationBytes)} total, ${formatBytes(stats.peakActivationBytes)} peak`);
    io.out(`weights      ${formatBytes(stats.denseFp32Bytes)} dense fp32, ${formatBytes(stats.storedBytes)} as stored${fileBytes === undefined ? '' : `; file ${formatBytes(fileBytes)}`}`);
    if (stats.uncounted.length > 0) io.out(`not counted  ${stats.uncounted.join(', ')} (no MAC rule)`);
    return 0;
  },
};
