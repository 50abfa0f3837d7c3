/** Plain-text tables for terminal output. */

export type Align = 'left' | 'right';

export interface Column {
  readonly header: string;
  /** Alignment (default: right for numbers-looking cells, i.e. every column but the first two). */
  readonly align?: Align;
}

/** Formats rows as an aligned text table with a header rule. */
export function formatTable(columns: readonly Column[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (s: string, i: number): string => {
    const w = widths[i] as number;
    return (columns[i]?.align ?? (i < 2 ? 'left' : 'right')) === 'left' ? s.padEnd(w) : s.padStart(w);
  };
  const lines = [columns.map((c, i) => cell(c.header, i)).join('  ')];
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) lines.push(columns.map((_, i) => cell(r[i] ?? '', i)).join('  '));
  return lines.map((l) => l.trimEnd()).join('\n');
}
