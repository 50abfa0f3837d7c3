/**
 * decompose(model, {method, rank | energy | budget | vbmf, layers?}) → {model, report}: analyses the
 * factorable layers of a copy of the model, chooses ranks, factors each chosen layer into thinner ones
 * (methods/), rewrites the graph, re-infers shapes and verifies it. Per layer the report gives the ranks,
 * MACs / parameters before and after and the weight's reconstruction error; totals come from modelStats.
 */
import { SlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import type { Node } from '../../ir/node.js';
import { verify } from '../../ir/verify.js';
import { modelStats } from '../../metrics/layer-stats.js';
import { inferShapes } from '../../passes/infer-shapes.js';
import { cloneModel } from '../../train/graph-edit.js';
import { analyseLayers, layerCost, type LayerInfo } from './layers.js';
import { LOW_RANK_METHOD_NAMES, LOW_RANK_METHODS } from './methods/index.js';
import type { Cost, LowRankMethod } from './methods/types.js';
import { selectRanks, type Candidate, type RankRule } from './rank-select.js';
import { replaceWithStages } from './rewrite.js';
import type { DecomposeOptions, DecomposeResult, LayerReport } from './types.js';

function cost(model: Model): Cost {
  const s = modelStats(model);
  return { macs: s.macs, params: s.params };
}

/** The method's registry entry, or a typed error naming the known ones. */
export function lowRankMethod(name: string): LowRankMethod {
  const m = LOW_RANK_METHODS.get(name as never);
  if (m === undefined) throw new SlimnetError('INVALID_ARGUMENT', `unknown low-rank method '${name}'; use one of ${LOW_RANK_METHOD_NAMES.join(', ')}`);
  return m;
}

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

function layerName(node: Node, index: number): string {
  return node.name === '' ? `${node.opType}#${index}` : node.name;
}

export function decompose(model: Model, opts: DecomposeOptions): DecomposeResult {
  const method = lowRankMethod(opts.method);
  const log = opts.onProgress ?? (() => undefined);
  const before = cost(model);
  const { rule, text } = rankRule(opts, before);
  const copy = cloneModel(model);
  const index = new Map(copy.graph.nodes.map((n, i) => [n, i]));
  const nameOf = (n: Node): string => layerName(n, index.get(n) ?? -1);
  const { layers, unfactorable } = analyseLayers(copy);
  const known = new Set([...layers.map((l) => nameOf(l.node)), ...unfactorable.map((u) => nameOf(u.node))]);
  for (const name of [...(opts.layers ?? []), ...(opts.exclude ?? [])]) {
    if (!known.has(name)) throw new SlimnetError('INVALID_ARGUMENT', `layer '${name}' is not a Conv / Gemm / MatMul node of the model (these are: ${[...known].join(', ')})`);
  }
  const rows = new Map<LayerInfo, LayerReport>();
  const reports: LayerReport[] = unfactorable.map((u) => ({
    name: nameOf(u.node), op: u.node.opType, weightShape: weightDims(u.node), status: 'unchanged', reason: u.reason, before: { macs: 0, params: 0 }, after: { macs: 0, params: 0 },
  }));
  const candidates: Array<Candidate & { layer: LayerInfo }> = [];
  for (const layer of layers) {
    const name = nameOf(layer.node);
    const c = layerCost(layer);
    const base: LayerReport = { name, op: layer.node.opType, weightShape: weightDims(layer.node), status: 'unchanged', before: c, after: c };
    const reason = opts.layers !== undefined && !opts.layers.includes(name) ? 'not selected'
      : opts.exclude?.includes(name) === true ? 'excluded' : method.applies(layer);
    if (reason !== undefined) {
      rows.set(layer, { ...base, reason });
      continue;
    }
    log(`${name}: analysing (${method.name})`);
    candidates.push({ layer, name, cost: c, analysis: method.analyse(layer) });
    rows.set(layer, base);
  }
  const choices = selectRanks(candidates, rule, opts.onlyIfSmaller === undefined ? {} : { onlyIfSmaller: opts.onlyIfSmaller });
  let energyUsed: number | undefined;
  candidates.forEach((cand, i) => {
    const choice = choices[i] ?? {};
    energyUsed = choice.energy ?? energyUsed;
    const base = rows.get(cand.layer) as LayerReport;
    const maxRanks = cand.analysis.maxRanks;
    if (choice.ranks === undefined) {
      rows.set(cand.layer, { ...base, maxRanks, reason: choice.reason ?? 'no rank chosen' });
      return;
    }
    log(`${cand.name}: factoring at rank ${choice.ranks.join('×')}`);
    const f = cand.analysis.factorize(choice.ranks, {
      ...(opts.hooiIterations === undefined ? {} : { hooiIterations: opts.hooiIterations }), ...(opts.cp === undefined ? {} : { cp: opts.cp }),
    });
    const nodes = replaceWithStages(copy.graph, cand.layer.node, f.stages);
    rows.set(cand.layer, {
      ...base, status: 'decomposed', ranks: choice.ranks, maxRanks, after: cand.analysis.cost(choice.ranks), relError: f.relError, nodes: nodes.map((n) => n.name),
    });
  });
  inferShapes(copy);
  verify(copy.graph);
  const ruleText = rule.kind === 'budget' && energyUsed !== undefined ? `${text} (energy ${energyUsed.toFixed(4)})` : text;
  const ordered = [...reports, ...layers.map((l) => rows.get(l) as LayerReport)];
  const order = new Map([...index].map(([n, i]) => [nameOf(n), i]));
  ordered.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  return { model: copy, report: { method: method.name, rule: ruleText, layers: ordered, before, after: cost(copy) } };
}

function weightDims(node: Node): number[] {
  return [...(node.inputs[1]?.initializer?.dims ?? [])];
}
