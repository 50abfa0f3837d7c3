/** The per-layer storage table of a packed model, laid out like Deep Compression's Table 2-5. */
import type { PackReport } from './container.js';

function kb(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}

/** Plain-text table: params, nonzero %, bits, Huffman weight / index bits, codebook, total, ratio. */
export function formatSizeTable(r: PackReport): string {
  const head = ['layer', 'params', 'nonzero', 'bits', 'weights(bits/nz)', 'index(bits/nz)', 'codebook B', 'total KB', 'dense KB', 'ratio'];
  const rows = r.layers.map((l) => [
    l.name, String(l.params), `${((100 * l.nonzero) / Math.max(1, l.params)).toFixed(1)}%`, `${l.bits}/${l.gapBits}`,
    (l.weightBits / Math.max(1, l.nonzero)).toFixed(2), (l.indexBits / Math.max(1, l.nonzero)).toFixed(2),
    String(l.codebookBytes), kb(l.totalBytes), kb(l.denseBytes), `${l.ratio.toFixed(1)}x`,
  ]);
  rows.push(['(rest of model, ONNX)', '', '', '', '', '', '', kb(r.onnxBytes), '', '']);
  rows.push(['total', '', '', '', '', '', '', kb(r.totalBytes), kb(r.denseBytes), `${r.ratio.toFixed(1)}x`]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}
