/** Human-readable lines for a before / after compression measurement. */
import type { CompressionMeasurement } from '../compress/measure.js';
import { formatBytes, formatMs, formatPercent } from './format.js';

export function formatMeasurement(m: CompressionMeasurement): string[] {
  const lines: string[] = [];
  if (m.error !== undefined) {
    const pp = 100 * (m.error.after - m.error.before);
    lines.push(`test error   ${formatPercent(m.error.before)} -> ${formatPercent(m.error.after)} (${pp >= 0 ? '+' : ''}${pp.toFixed(2)} pp, ${m.error.samples} samples)`);
  }
  const s = m.size;
  const stored = s.packed === undefined ? `${formatBytes(s.after)} ONNX` : `${formatBytes(s.packed)} packed (ONNX ${formatBytes(s.after)})`;
  lines.push(`size         ${formatBytes(s.before)} ONNX -> ${stored}: ${s.ratio.toFixed(2)}x smaller`);
  for (const l of m.latency) {
    lines.push(`latency b=${String(l.batchSize).padEnd(3)}${formatMs(l.beforeMs)} -> ${formatMs(l.afterMs)} (${l.speedup.toFixed(2)}x ${l.speedup >= 1 ? 'faster' : 'slower'}; median of ${l.runs}, ${l.threads} thread)`);
  }
  return lines;
}
