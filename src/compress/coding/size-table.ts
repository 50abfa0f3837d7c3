/**
 * The per-layer storage table of a packed model, laid out like Deep Compression's Tables 2-5: weights,
 * percentage kept by pruning (P), bits per stored weight and per index at fixed width after quantization
 * (P+Q) and after Huffman coding (P+Q+H), codebook bytes, stored total and compression rates.
 */
import type { PackReport } from './container.js';

function kb(bytes: number): string {
  return (bytes / 1000).toFixed(1);
}

function perNonzero(bits: number, nonzero: number): string {
  return (bits / Math.max(1, nonzero)).toFixed(2);
}

/** Plain-text table, one row per compressed layer plus the rest of the model and the total. */
export function formatSizeTable(r: PackReport): string {
  const head = ['layer', 'weights', 'kept(P)', 'w bits(P+Q)', 'w bits(+H)', 'idx bits(P+Q)', 'idx bits(+H)', 'codebook B', 'total KB', 'ratio(P+Q)', 'ratio(+H)'];
  const rows = r.layers.map((l) => {
    const fixed = (l.fixedWeightBits + l.fixedIndexBits) / 8 + l.codebookBytes;
    return [
      l.name, String(l.params), `${((100 * l.nonzero) / Math.max(1, l.params)).toFixed(1)}%`,
      String(l.bits), perNonzero(l.weightBits, l.nonzero), perNonzero(l.fixedIndexBits, l.nonzero), perNonzero(l.indexBits, l.nonzero),
      String(l.codebookBytes), kb(l.totalBytes), `${(l.denseBytes / fixed).toFixed(1)}x`, `${l.ratio.toFixed(1)}x`,
    ];
  });
  rows.push(['(rest: graph, biases...)', '', '', '', '', '', '', '', kb(r.onnxBytes), '', '']);
  rows.push(['total', String(r.layers.reduce((a, l) => a + l.params, 0)), '', '', '', '', '', '', kb(r.totalBytes), '', `${r.ratio.toFixed(1)}x`]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
