/**
 * Progress on the command's injected IO (never straight to a stream): a live line that a terminal rewrites in
 * place (`CommandIo.live`, absent when stderr is not a terminal or in tests), and lines on `err` for what must stay
 * (epoch summaries, warnings, periodic updates off a terminal). One printer serves every training-based command.
 */
import { formatPercent } from '../report/format.js';
import type { CommandIo } from './command.js';
import type { TrainProgress } from '../train/types.js';

/** A live counter of work done (evaluation, calibration...). */
export interface ProgressLine {
  update(done: number, total: number, extra?: string): void;
  done(): void;
}

/** A counter on `io`: live on a terminal (every 100 ms), else one line on `err` every 5 s. */
export function progressLine(io: CommandIo, label: string): ProgressLine {
  const start = Date.now();
  let lastPrint = 0;
  let printed = false;
  return {
    update(done, total, extra = '') {
      const now = Date.now();
      if (done < total && now - lastPrint < (io.live !== undefined ? 100 : 5000)) return;
      lastPrint = now;
      const elapsed = (now - start) / 1000;
      const eta = done > 0 ? (elapsed * (total - done)) / done : 0;
      const pct = total > 0 ? ((100 * done) / total).toFixed(0) : '0';
      const line = `${label}: ${done}/${total} (${pct}%) ${elapsed.toFixed(1)}s elapsed, ETA ${eta.toFixed(1)}s ${extra}`;
      if (io.live !== undefined) io.live(line.trimEnd());
      else io.err(line.trimEnd());
      printed = true;
    },
    done() {
      if (printed) io.live?.('');
    },
  };
}

/** Training progress (train, distill, share, deep-compress...): optional `stage`, e.g. a distillation's hint stage. */
export type StagedProgress = TrainProgress & { readonly stage?: string };

/**
 * The one training progress printer: a live step line, one line per epoch, warnings; `checkedOn` names what
 * an epoch's error was measured on ('test', or 'validation' for a held-out split).
 */
export function trainingProgress(io: CommandIo, checkedOn = 'test'): (p: StagedProgress) => void {
  return (p) => {
    const stage = p.stage === 'hint' ? 'hint stage, ' : '';
    if (p.kind === 'notice') {
      io.err(`warning: ${p.message ?? ''}`);
    } else if (p.kind === 'epoch' && p.stats !== undefined) {
      const s = p.stats;
      const test = Number.isNaN(s.testError) ? '' : ` ${checkedOn} error ${formatPercent(s.testError)}`;
      io.err(`${stage}epoch ${s.epoch}/${p.epochs}: train loss ${s.trainLoss.toFixed(4)} train error `
        + `${formatPercent(s.trainError)}${test} (${s.seconds.toFixed(1)} s, ${s.imagesPerSecond.toFixed(0)} img/s)`);
    } else {
      io.live?.(`${stage}epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)} acc `
        + `${formatPercent(p.accuracy)} lr ${p.lr.toPrecision(3)} ${p.imagesPerSecond.toFixed(0)} img/s `
        + `ETA ${p.etaSeconds.toFixed(0)}s`);
    }
  };
}
