/**
 * rewrite(model, {to, layers?, ...}): the one entry point of the compact-filter rewrites. It copies the
 * model, applies the rewrite from the registry, drops the replaced layers' weights, re-infers shapes, verifies
 * the graph, checks that every output keeps its shape, and reports each changed layer with its parameters
 * and MACs (per sample) before and after.
 */
import { ShapeError, SlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import { checkModel } from '../../ir/verify.js';
import { layerStats, type LayerStat } from '../../metrics/layer-stats.js';
import { eliminateDeadCode } from '../../passes/dead-code.js';
import { inferShapes } from '../../passes/infer-shapes.js';
import { staticShapes } from '../../passes/specialize-shapes.js';
import { LayerMaker } from './graph-util.js';
import { resolveMethodOptions } from '../registry.js';
import { compactRewrite } from './rewrites.js';
import type { CompactRewrite, RawChange, RewriteContext } from './rule.js';
import type { CostTotals, LayerChange, RewriteOptions, RewriteResult } from './types.js';

function checkOptions(entry: CompactRewrite, opts: RewriteOptions): void {
  const init = opts.init ?? 'he';
  if (init !== 'he' && init !== 'fit') throw new SlimnetError('INVALID_ARGUMENT', `init must be 'he' or 'fit', got '${String(init)}'`);
  if (init === 'fit' && !entry.fits) {
    throw new SlimnetError('INVALID_ARGUMENT', `rewrite '${opts.to}' has no 'fit' initialisation; use 'he'`);
  }
  if (opts.seed !== undefined && !Number.isInteger(opts.seed)) throw new SlimnetError('INVALID_ARGUMENT', `seed must be an integer, got ${opts.seed}`);
  if (opts.layers !== undefined && opts.layers.length === 0) throw new SlimnetError('INVALID_ARGUMENT', 'layers is empty; omit it to rewrite every eligible layer');
}

function sum(rows: ReadonlyMap<string, LayerStat>, names: readonly string[], key: 'params' | 'macs'): number {
  return names.reduce((a, n) => a + (rows.get(n)?.[key] ?? 0), 0);
}

function totals(rows: readonly LayerStat[]): CostTotals {
  return { params: rows.reduce((a, l) => a + l.params, 0), macs: rows.reduce((a, l) => a + l.macs, 0) };
}

/** The rewritten copy must keep every output's (static) shape. */
function checkOutputs(before: Model, after: Model): void {
  const a = staticShapes(before);
  const b = staticShapes(after);
  before.graph.outputs.forEach((v, i) => {
    const w = after.graph.outputs[i];
    const sa = a(v);
    const sb = b(w);
    if (sa === undefined && w !== undefined) return; // nothing static to keep (a dynamic output shape)
    if (w === undefined || sa === undefined || sb === undefined || sa.length !== sb.length || sa.some((d, k) => d !== sb[k])) {
      throw new ShapeError(`the rewrite changed output '${v.name}' from [${sa?.join(',') ?? '?'}] to [${sb?.join(',') ?? '?'}]`);
    }
  });
}

/** Rewrites a copy of `model` into a compact architecture; the input model is not modified. */
export function rewrite(model: Model, opts: RewriteOptions): RewriteResult {
  const entry = compactRewrite(opts.to);
  checkOptions(entry, opts);
  const values = resolveMethodOptions(entry, opts.options ?? {});
  const copy = model.clone();
  const seed = opts.seed ?? 0;
  const ctx: RewriteContext = {
    model: copy, shapeOf: staticShapes(copy), make: new LayerMaker(copy.graph, seed), init: opts.init ?? 'he', seed,
    layers: opts.layers,
  };
  const outcome = entry.apply(ctx, values);
  if (entry.needsChange && outcome.changes.length === 0) {
    const why = outcome.skipped.map((s) => `${s.layer}: ${s.reason}`).join('; ');
    throw new SlimnetError('INVALID_ARGUMENT', `rewrite '${opts.to}': no layer is eligible${why === '' ? '' : ` (${why})`}`);
  }
  const result = outcome.model ?? copy;
  eliminateDeadCode(result);
  result.graph.sortTopologically();
  inferShapes(result);
  checkModel(result);
  checkOutputs(model, result);
  if (outcome.changes.length > 0) result.graph.docString = `${result.graph.docString} [slimnet rewrite --to ${opts.to}]`.trim();
  const beforeRows = layerStats(model);
  const afterRows = layerStats(result);
  const byName = (rows: readonly LayerStat[]): Map<string, LayerStat> => new Map(rows.map((r) => [r.name, r]));
  const [b, a] = [byName(beforeRows), byName(afterRows)];
  const changes: LayerChange[] = outcome.changes.map((c: RawChange) => ({
    ...c,
    paramsBefore: sum(b, c.layers, 'params'), paramsAfter: sum(a, c.into, 'params'),
    macsBefore: sum(b, c.layers, 'macs'), macsAfter: sum(a, c.into, 'macs'),
  }));
  return { model: result, report: { to: opts.to, changes, skipped: outcome.skipped, before: totals(beforeRows), after: totals(afterRows) } };
}
