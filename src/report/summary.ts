/** Prints a method's summary blocks: lines as they are, tables aligned. */
import type { SummaryBlock } from '../compress/quantization/method.js';
import { formatTable } from './table.js';

export function formatSummary(blocks: readonly SummaryBlock[]): string {
  return blocks.map((b) => (typeof b === 'string' ? b : formatTable(b.columns.map((header) => ({ header })), b.rows))).join('\n');
}
