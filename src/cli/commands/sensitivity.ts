/**
 * `slimnet sensitivity model.onnx --data ...`: per-layer pruning sweep without retraining, table + JSON.
 * Structured criteria sweep the fraction of each channel group removed; `--criterion magnitude` sweeps the
 * unstructured sparsity of each layer's weights.
 */
import { structuredCriteria, structuredCriterion } from '../../compress/pruning/structured/criteria.js';
import { resolveMethodOptions } from '../../compress/registry.js';
import { sensitivity, type SensitivityResult } from '../../compress/pruning/structured/sensitivity.js';
import { layerSensitivity, type LayerSensitivityResult } from '../../compress/pruning/unstructured/sensitivity.js';
import { formatPercent } from '../../report/format.js';
import { formatTable } from '../../report/table.js';
import { atomicWrite } from '../../util/atomic-write.js';
import { optInt, optString, POSITIVE_INT, requirePositional, type Command } from '../command.js';
import { loadDataFor } from '../data-source.js';
import { resolveModel } from '../model-source.js';

function table(r: SensitivityResult): string {
  const ratios = r.curves[0]?.points.map((p) => p.ratio) ?? [];
  const columns = [{ header: 'layer group' }, { header: 'channels' }, ...ratios.map((x) => ({ header: `${Math.round(x * 100)}%`, align: 'right' as const }))];
  const rows = r.curves.map((c) => [c.name, String(c.size), ...c.points.map((p) => formatPercent(p.error, 1))]);
  return formatTable(columns, rows);
}

function layerTable(r: LayerSensitivityResult): string {
  const sparsities = r.curves[0]?.points.map((p) => p.sparsity) ?? [];
  const columns = [{ header: 'layer' }, { header: 'weights' }, ...sparsities.map((x) => ({ header: `${Math.round(x * 100)}%`, align: 'right' as const }))];
  return formatTable(columns, r.curves.map((c) => [c.layer, String(c.params), ...c.points.map((p) => formatPercent(p.error, 1))]));
}

export const sensitivityCommand: Command = {
  name: 'sensitivity',
  summary: 'Per-layer pruning sensitivity: test error when each channel group alone is pruned (no retraining).',
  positionals: '<model.onnx|zoo-name>',
  options: {
    data: { type: 'string', placeholder: 'mnist|fashion-mnist|PATH', description: 'data set (its test split is evaluated)', default: 'mnist' },
    criterion: {
      type: 'string', placeholder: 'NAME',
      description: 'magnitude (unstructured, per layer) or a channel importance: '
        + structuredCriteria.filter((c) => c.prepare === undefined).map((c) => c.name).join(', '),
      default: 'l1',
    },
    samples: {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
      description: 'test samples evaluated per point', default: '1000',
    },
    'save-json': { type: 'string', placeholder: 'PATH', description: 'also write the curves as JSON here' },
  },
  details: 'Columns are the fraction of the group\'s channels removed (with --criterion magnitude: of the layer\'s weights zeroed;\n0 = the unpruned model). `slimnet prune --per-layer auto` runs the same analysis and picks per-layer ratios\nmeeting --target; or read the JSON to choose per-layer ratios by hand (--per-layer FILE).',
  async run(positionals, o, io) {
    const source = resolveModel(requirePositional(this, positionals, 0, 'a model'));
    const samples = optInt(o, 'samples', 1000);
    const name = optString(o, 'criterion') ?? 'l1';
    const c = name === 'magnitude' ? undefined : structuredCriterion(name);
    const importance = c?.importance(resolveMethodOptions(c, {}));
    const data = loadDataFor(source, optString(o, 'data') ?? 'mnist', { limit: 1, testLimit: samples });
    const protect = source.path === undefined ? {} : { protect: [source.path] };
    const json = optString(o, 'save-json');
    if (importance === undefined) {
      const r = await layerSensitivity(source.model, { data: data.test, limit: samples });
      if (json !== undefined) atomicWrite(json, JSON.stringify(r, null, 2), protect);
      if (o.json === true) return (io.out(JSON.stringify(r, null, 2)), 0);
      io.out(`${source.label}: magnitude (unstructured) sensitivity on ${r.samples} ${data.name} test samples (baseline error ${formatPercent(r.baselineError)})`);
      io.out(layerTable(r));
      if (json !== undefined) io.out(`saved ${json}`);
      return 0;
    }
    const result = await sensitivity(source.model, { importance, data: data.test, limit: samples });
    if (json !== undefined) atomicWrite(json, JSON.stringify(result, null, 2), protect);
    if (o.json === true) {
      io.out(JSON.stringify(result, null, 2));
      return 0;
    }
    io.out(`${source.label}: ${result.criterion} sensitivity on ${result.samples} ${data.name} test samples (baseline error ${formatPercent(result.baseline.error)})`);
    io.out(table(result));
    if (json !== undefined) io.out(`saved ${json}`);
    return 0;
  },
};
