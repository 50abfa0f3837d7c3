/**
 * decompose(model, {method, rank | energy | budget | vbmf, layers?}) → {model, report}: analyses the
 * factorable layers of a copy of the model, chooses ranks, factors each chosen layer into thinner ones
 * (methods/), rewrites the graph, re-infers shapes and verifies it. Per layer the report gives the ranks,
 * MACs / parameters before and after and the weight's reconstruction error; totals come from modelStats.
 */
import { SlimnetError } from '../../ir/errors.js';
import { assertFiniteWeights } from '../../ir/finite.js';
import type { Model } from '../../ir/graph.js';
import type { Node } from '../../ir/node.js';
import { verify } from '../../ir/verify.js';
import { modelStats } from '../../metrics/layer-stats.js';
import { inferShapes } from '../../passes/infer-shapes.js';
import { analyseLayers, layerCost, type LayerInfo } from './layers.js';
import { lowRankMethod } from './methods/index.js';
import type { Cost, FactorizeOptions, LowRankMethod } from './methods/types.js';
import { selectRanks, type Candidate, type RankChoice, type RankRule } from './rank-select.js';
import { replaceWithStages } from './rewrite.js';
import type { DecomposeOptions, DecomposeResult, LayerReport } from './types.js';

function rankRule(opts: DecomposeOptions, before: Cost): { rule: RankRule; text: string } {
  const given = (['rank', 'energy', 'budget', 'vbmf'] as const).filter((k) => opts[k] !== undefined && opts[k] !== false);
  if (given.length !== 1) {
    throw new SlimnetError('INVALID_ARGUMENT', `give exactly one of rank, energy, budget, vbmf (got ${given.length === 0 ? 'none' : given.join(', ')})`);
  }
  const bad = (what: string, v: unknown, range: string): SlimnetError => new SlimnetError('INVALID_ARGUMENT', `${what} must be ${range}, got ${String(v)}`);
  if (opts.rank !== undefined) {
    const r = opts.rank;
    if (typeof r === 'number' && !(r > 0 && (r < 1 || Number.isInteger(r)))) throw bad('rank', r, 'an integer ≥ 1 or a fraction in (0, 1)');
    return { rule: { kind: 'fixed', rank: r }, text: typeof r === 'number' ? (r < 1 ? `rank fraction ${r}` : `rank ${r}`) : 'per-layer ranks' };
  }
  if (opts.energy !== undefined) {
    if (!(opts.energy > 0 && opts.energy <= 1)) throw bad('energy', opts.energy, 'in (0, 1]');
    return { rule: { kind: 'energy', energy: opts.energy }, text: `energy ${opts.energy}` };
  }
  if (opts.budget !== undefined) {
    if (!(opts.budget > 0 && opts.budget < 1)) throw bad('budget', opts.budget, 'a fraction in (0, 1) of the model cost to keep');
    const metric = opts.budgetMetric ?? 'macs';
    if (metric !== 'macs' && metric !== 'params') throw bad('budgetMetric', metric, "'macs' or 'params'");
    return { rule: { kind: 'budget', budget: opts.budget, metric, modelCost: before[metric] }, text: `budget ${opts.budget} of ${metric}` };
  }
  return { rule: { kind: 'vbmf' }, text: 'VBMF' };
}

interface Row {
  readonly node: Node;
  report: LayerReport;
  readonly candidate?: Candidate & { readonly layer: LayerInfo };
}

/** One row per Conv / Gemm / MatMul node, in graph order; the method's analysis for the layers it will consider. */
function buildRows(model: Model, method: LowRankMethod, opts: DecomposeOptions, log: (m: string) => void): Row[] {
  const order = new Map(model.graph.nodes.map((n, i) => [n, i]));
  const nameOf = (n: Node): string => (n.name === '' ? `${n.opType}#${order.get(n) ?? -1}` : n.name);
  const stats = new Map(modelStats(model).layers.map((l, i) => [model.graph.nodes[i], l]));
  const { layers, unfactorable } = analyseLayers(model);
  const known = [...layers.map((l) => nameOf(l.node)), ...unfactorable.map((u) => nameOf(u.node))];
  for (const name of [...(opts.layers ?? []), ...(opts.exclude ?? [])]) {
    if (!known.includes(name)) throw new SlimnetError('INVALID_ARGUMENT', `layer '${name}' is not a Conv / Gemm / MatMul node of the model (these are: ${known.join(', ')})`);
  }
  const base = (node: Node, cost: Cost): LayerReport => ({
    name: nameOf(node), op: node.opType, weightShape: [...(node.inputs[1]?.initializer?.dims ?? [])], status: 'unchanged', before: cost, after: cost,
  });
  const rows: Row[] = unfactorable.map((u) => {
    const s = stats.get(u.node);
    return { node: u.node, report: { ...base(u.node, { macs: s?.macs ?? 0, params: s?.params ?? 0 }), reason: u.reason } };
  });
  for (const layer of layers) {
    const row = base(layer.node, layerCost(layer));
    const reason = opts.layers !== undefined && !opts.layers.includes(row.name) ? 'not selected'
      : opts.exclude?.includes(row.name) === true ? 'excluded' : method.applies(layer);
    if (reason !== undefined) {
      rows.push({ node: layer.node, report: { ...row, reason } });
      continue;
    }
    log(`${row.name}: analysing (${method.name})`);
    rows.push({ node: layer.node, report: row, candidate: { layer, name: row.name, cost: row.before, analysis: method.analyse(layer) } });
  }
  return rows.sort((a, b) => (order.get(a.node) ?? 0) - (order.get(b.node) ?? 0));
}

/** Factors one candidate at its chosen ranks (or records why not) and rewrites the graph. */
function apply(model: Model, row: Row, choice: RankChoice, fopts: FactorizeOptions, log: (m: string) => void): void {
  const cand = row.candidate;
  if (cand === undefined) return;
  const maxRanks = cand.analysis.maxRanks;
  if (choice.ranks === undefined) {
    row.report = { ...row.report, maxRanks, reason: choice.reason ?? 'no rank chosen' };
    return;
  }
  log(`${cand.name}: factoring at rank ${choice.ranks.join('×')}`);
  const f = cand.analysis.factorize(choice.ranks, fopts);
  const nodes = replaceWithStages(model.graph, cand.layer.node, f.stages);
  row.report = {
    ...row.report, status: 'decomposed', ranks: choice.ranks, maxRanks, after: cand.analysis.cost(choice.ranks), relError: f.relError, nodes: nodes.map((n) => n.name),
  };
}

/**
 * Factors the chosen layers of a copy of `model` at the ranks the rule selects. A model holding NaN / Inf
 * weights is refused (MODEL_INVALID): the factorisations would pass them through or spread them.
 */
export function decompose(model: Model, opts: DecomposeOptions): DecomposeResult {
  assertFiniteWeights(model, `model '${model.graph.name}'`, 'low-rank decomposition');
  const method = lowRankMethod(opts.method);
  const log = opts.onProgress ?? (() => undefined);
  const stats = modelStats(model);
  const before = { macs: stats.macs, params: stats.params };
  const { rule, text } = rankRule(opts, before);
  const copy = model.clone();
  const rows = buildRows(copy, method, opts, log);
  const considered = rows.filter((r) => r.candidate !== undefined);
  const choices = selectRanks(considered.map((r) => r.candidate as Candidate), rule, {
    ...(opts.onlyIfSmaller === undefined ? {} : { onlyIfSmaller: opts.onlyIfSmaller }), ...(opts.alignTo === undefined ? {} : { alignTo: opts.alignTo }),
  });
  const fopts: FactorizeOptions = {
    ...(opts.hooiIterations === undefined ? {} : { hooiIterations: opts.hooiIterations }), ...(opts.cp === undefined ? {} : { cp: opts.cp }),
  };
  considered.forEach((row, i) => apply(copy, row, choices[i] ?? {}, fopts, log));
  inferShapes(copy);
  verify(copy.graph);
  const energy = choices.find((c) => c.energy !== undefined)?.energy;
  const after = modelStats(copy);
  return {
    model: copy,
    report: {
      method: method.name,
      rule: (rule.kind === 'budget' && energy !== undefined ? `${text} (energy ${energy.toFixed(4)})` : text) + ((opts.alignTo ?? 1) > 1 ? `, ranks aligned to ${opts.alignTo}` : ''),
      layers: rows.map((r) => r.report), before, after: { macs: after.macs, params: after.params },
    },
  };
}
