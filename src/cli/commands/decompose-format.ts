/** Human-readable output of `slimnet decompose`: the per-layer table (like the survey's Table 7) and totals. */
import type { LowRankPipelineResult } from '../../compress/lowrank/pipeline.js';
import type { LayerReport } from '../../compress/lowrank/types.js';
import type { LatencyComparison } from '../../runtime/latency.js';
import { formatInt, formatMs, formatPercent, formatSi } from '../../report/format.js';
import { formatTable } from '../../report/table.js';

function ratio(before: number, after: number): string {
  return after > 0 ? `${(before / after).toFixed(2)}x` : '-';
}

/** Speedup of the medians, and of the fastest runs in parentheses (steadier on a loaded machine). */
function speedups(c: LatencyComparison): string {
  return `${c.speedup.toFixed(2)}x (${(c.a.minMs / c.b.minMs).toFixed(2)}x)`;
}

function layerRow(l: LayerReport, speedups: readonly string[]): string[] {
  const decomposed = l.status === 'decomposed';
  return [
    l.name, l.op, `[${l.weightShape.join(',')}]`, decomposed ? (l.ranks ?? []).join('×') : `- (${l.reason ?? 'unchanged'})`,
    formatSi(l.before.macs), decomposed ? formatSi(l.after.macs) : '', decomposed ? ratio(l.before.macs, l.after.macs) : '',
    formatInt(l.before.params), decomposed ? formatInt(l.after.params) : '', decomposed && l.relError !== undefined ? l.relError.toFixed(4) : '',
    ...speedups,
  ];
}

/** The report as lines of text. */
export function formatDecomposition(r: LowRankPipelineResult, label: string, out: string, epochs: number): string[] {
  const batches = r.latency?.whole.map((c) => c.a.batchSize) ?? [];
  const perLayer = new Map(r.latency?.layers.map((l) => [l.name, l.comparisons.map(speedups)]) ?? []);
  const columns = [
    { header: 'layer' }, { header: 'op' }, { header: 'weight', align: 'left' as const }, { header: 'rank', align: 'left' as const },
    { header: 'MACs' }, { header: 'after' }, { header: 'fewer' }, { header: 'params' }, { header: 'after' }, { header: 'rel. error' },
    ...batches.map((b) => ({ header: `speedup b=${b} (fastest)` })),
  ];
  const rows = r.report.layers.map((l) => layerRow(l, batches.map((_, i) => perLayer.get(l.name)?.[i] ?? '')));
  const lines = [formatTable(columns, rows), ''];
  const { before, after } = r.report;
  lines.push(`${label}: ${r.report.method}, ${r.report.rule}; ${r.report.layers.filter((l) => l.status === 'decomposed').length} layer(s) factored`);
  lines.push(`MACs ${formatSi(before.macs)} -> ${formatSi(after.macs)} (${ratio(before.macs, after.macs)} fewer); params ${formatInt(before.params)} -> ${formatInt(after.params)} (${ratio(before.params, after.params)} fewer)`);
  const e = r.errors;
  if (e === undefined) lines.push('test error: not measured (no labelled data set; --data mnist|PATH measures it)');
  else {
    const refit = e.refit === undefined ? '' : ` -> ${formatPercent(e.refit)} refit`;
    const tuned = e.finetuned === undefined ? '' : ` -> ${formatPercent(e.finetuned)} after ${epochs} fine-tuning epoch(s)`;
    lines.push(`test error ${formatPercent(e.original)} -> ${formatPercent(e.decomposed)} decomposed${refit}${tuned} (${e.samples} test samples)`);
  }
  for (const c of r.latency?.whole ?? []) {
    lines.push(`latency batch ${c.a.batchSize}: median ${formatMs(c.a.medianMs)} -> ${formatMs(c.b.medianMs)} (${c.speedup.toFixed(2)}x), fastest ${formatMs(c.a.minMs)} -> ${formatMs(c.b.minMs)} (${(c.a.minMs / c.b.minMs).toFixed(2)}x); ${c.a.runs} interleaved runs, ${c.a.threads} thread(s)`);
  }
  lines.push(`saved ${out}`);
  return lines;
}
