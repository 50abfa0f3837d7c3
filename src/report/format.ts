/** Human-readable number formatting shared by reports. */

/** 431080 -> "431,080". */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 2293000 -> "2.29 M"; 1234 -> "1.23 k". */
export function formatSi(n: number, digits = 2): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(digits)} G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(digits)} M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(digits)} k`;
  return String(Math.round(n * 100) / 100);
}

/** Bytes as B / KB / MB (1 KB = 1000 B, as the compression papers count). */
export function formatBytes(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} KB`;
  return `${n} B`;
}

/** 0.00843 -> "0.84 %". */
export function formatPercent(fraction: number, digits = 2): string {
  return `${(fraction * 100).toFixed(digits)} %`;
}

/** Milliseconds with sensible precision. */
export function formatMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(0)} µs`;
}
