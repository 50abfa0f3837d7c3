/**
 * Learning-rate schedules as plain data (they travel to the training worker) and a pure function giving
 * the rate at a fractional epoch position t = epoch + step / stepsPerEpoch.
 *
 *   constant                      lr
 *   step { stepSize, gamma }      lr · gamma^floor(t / stepSize)
 *   multistep { milestones, γ }   lr · gamma^(number of milestones <= t)
 *   cosine { minLr }              minLr + (lr − minLr) · (1 + cos(π t / epochs)) / 2
 *
 * Any schedule may add a linear warm-up over `warmupEpochs`: the rate above is multiplied by a factor
 * rising linearly from `warmupStartFactor` (default 0.01) at t = 0 to 1 at t = warmupEpochs.
 */
import { SlimnetError } from '../ir/errors.js';

/**
 * A learning-rate schedule over epochs: constant, step (× gamma every stepSize epochs), multistep (× gamma at
 * milestones) or cosine decay to minLr.
 */
export type BaseSchedule =
  | { readonly kind: 'constant' }
  | { readonly kind: 'step'; readonly stepSize: number; readonly gamma?: number }
  | { readonly kind: 'multistep'; readonly milestones: readonly number[]; readonly gamma?: number }
  | { readonly kind: 'cosine'; readonly minLr?: number };

/** A linear learning-rate warm-up: its length in epochs and the starting factor. */
export interface WarmUp {
  /** Length of the linear warm-up in epochs (may be fractional; default 0 = none). */
  readonly warmupEpochs?: number;
  /** Factor of the rate at t = 0 (default 0.01). */
  readonly warmupStartFactor?: number;
}

/** A learning-rate schedule with optional linear warm-up. */
export type Schedule = BaseSchedule & WarmUp;

/** Learning rate at fractional epoch `t` of a run of `epochs` epochs with base rate `lr`. */
export function learningRate(s: Schedule, lr: number, t: number, epochs: number): number {
  return baseRate(s, lr, t, epochs) * warmupFactor(s, t);
}

function baseRate(s: BaseSchedule, lr: number, t: number, epochs: number): number {
  switch (s.kind) {
    case 'constant':
      return lr;
    case 'step':
      return lr * (s.gamma ?? 0.1) ** Math.floor(t / s.stepSize + 1e-9);
    case 'multistep':
      return lr * (s.gamma ?? 0.1) ** s.milestones.filter((m) => m <= t + 1e-9).length;
    case 'cosine': {
      const min = s.minLr ?? 0;
      const frac = epochs > 0 ? Math.min(1, Math.max(0, t / epochs)) : 1;
      return min + ((lr - min) * (1 + Math.cos(Math.PI * frac))) / 2;
    }
  }
}

function warmupFactor(s: WarmUp, t: number): number {
  const w = s.warmupEpochs ?? 0;
  if (w <= 0 || t >= w) return 1;
  const start = s.warmupStartFactor ?? 0.01;
  return start + ((1 - start) * t) / w;
}

/** Throws INVALID_ARGUMENT when a schedule's numbers make no sense. */
export function validateSchedule(s: Schedule): void {
  const bad = (msg: string): never => {
    throw new SlimnetError('INVALID_ARGUMENT', `schedule '${s.kind}': ${msg}`);
  };
  if (s.kind === 'step' && !(s.stepSize > 0)) bad(`stepSize must be > 0, got ${s.stepSize}`);
  if (s.kind === 'multistep' && s.milestones.some((m, i) => !(m >= 0) || (i > 0 && m < (s.milestones[i - 1] as number)))) {
    bad(`milestones must be non-negative and ascending, got [${s.milestones.join(',')}]`);
  }
  if ((s.warmupEpochs ?? 0) < 0) bad(`warmupEpochs must be >= 0, got ${s.warmupEpochs}`);
}

/**
 * Parses the CLI form: 'constant' | 'step:SIZE[:GAMMA]' | 'multistep:E1,E2,...[:GAMMA]' | 'cosine[:MINLR]',
 * optionally followed by '+warmup:EPOCHS[:STARTFACTOR]'.
 */
export function parseSchedule(text: string): Schedule {
  const [main = '', warm] = text.split('+');
  const [kind, a, b] = main.split(':');
  const num = (v: string | undefined, what: string): number => {
    const x = Number(v);
    if (v === undefined || v === '' || !Number.isFinite(x)) throw new SlimnetError('INVALID_ARGUMENT', `schedule '${text}': bad ${what} '${v ?? ''}'`);
    return x;
  };
  const opt = (v: string | undefined, what: string): number | undefined => (v === undefined ? undefined : num(v, what));
  let base: BaseSchedule;
  if (kind === 'constant') base = { kind };
  else if (kind === 'step') base = withGamma({ kind, stepSize: num(a, 'step size') }, opt(b, 'gamma'));
  else if (kind === 'multistep') base = withGamma({ kind, milestones: (a ?? '').split(',').map((m) => num(m, 'milestone')) }, opt(b, 'gamma'));
  else if (kind === 'cosine') base = a === undefined ? { kind } : { kind, minLr: num(a, 'minimum rate') };
  else throw new SlimnetError('INVALID_ARGUMENT', `unknown schedule '${kind ?? ''}' in '${text}'; use constant, step, multistep or cosine`);
  let s: Schedule = base;
  if (warm !== undefined) {
    const [w, e, f] = warm.split(':');
    if (w !== 'warmup') throw new SlimnetError('INVALID_ARGUMENT', `schedule '${text}': expected '+warmup:EPOCHS'`);
    const start = opt(f, 'warm-up start factor');
    s = { ...base, warmupEpochs: num(e, 'warm-up epochs'), ...(start === undefined ? {} : { warmupStartFactor: start }) };
  }
  validateSchedule(s);
  return s;
}

function withGamma<T extends object>(s: T, gamma: number | undefined): T & { gamma?: number } {
  return gamma === undefined ? s : { ...s, gamma };
}

/** The CLI form of a schedule (parseSchedule's inverse): 'cosine+warmup:0.3', 'step:5:0.5', 'constant'... */
export function formatSchedule(s: Schedule): string {
  let base: string;
  const gamma = 'gamma' in s && s.gamma !== undefined ? `:${s.gamma}` : '';
  if (s.kind === 'constant') base = 'constant';
  else if (s.kind === 'step') base = `step:${s.stepSize}${gamma}`;
  else if (s.kind === 'multistep') base = `multistep:${s.milestones.join(',')}${gamma}`;
  else base = s.minLr === undefined ? 'cosine' : `cosine:${s.minLr}`;
  const w = s.warmupEpochs ?? 0;
  if (w <= 0) return base;
  return `${base}+warmup:${w}${s.warmupStartFactor === undefined ? '' : `:${s.warmupStartFactor}`}`;
}
