/** Live progress on stderr: a single rewritten line on a terminal, periodic lines otherwise. */

export interface ProgressLine {
  update(done: number, total: number, extra?: string): void;
  done(): void;
}

export function stderrProgress(label: string): ProgressLine {
  const tty = process.stderr.isTTY === true;
  const start = Date.now();
  let lastPrint = 0;
  let printed = false;
  return {
    update(done, total, extra = '') {
      const now = Date.now();
      if (done < total && now - lastPrint < (tty ? 100 : 5000)) return;
      lastPrint = now;
      const elapsed = (now - start) / 1000;
      const eta = done > 0 ? (elapsed * (total - done)) / done : 0;
      const pct = total > 0 ? ((100 * done) / total).toFixed(0) : '0';
      const line = `${label}: ${done}/${total} (${pct}%) ${elapsed.toFixed(1)}s elapsed, ETA ${eta.toFixed(1)}s ${extra}`.trimEnd();
      process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
      printed = true;
    },
    done() {
      if (tty && printed) process.stderr.write('\n');
    },
  };
}
