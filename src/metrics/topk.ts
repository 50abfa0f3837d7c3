/**
 * Top-k classification error. A sample counts as correct at k when its label ranks among the k highest
 * logits; ties are broken towards the lower class index (as argmax does), and a NaN logit for the label
 * never counts as correct.
 */
import { SlimnetError } from '../ir/errors.js';

function checkArgs(logits: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new SlimnetError('INVALID_ARGUMENT', `numClasses must be a positive integer, got ${numClasses}`);
  if (logits.length !== labels.length * numClasses) {
    throw new SlimnetError('INVALID_ARGUMENT', `logits have ${logits.length} values; ${labels.length} labels × ${numClasses} classes need ${labels.length * numClasses}`);
  }
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new SlimnetError('INVALID_ARGUMENT', `k must be a positive integer, got ${k}`);
}

/** Rank (0 = best) of class `label` among the logits of sample `s`. */
export function labelRank(logits: ArrayLike<number>, s: number, numClasses: number, label: number): number {
  if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
    throw new SlimnetError('INVALID_ARGUMENT', `label ${label} of sample ${s} is outside [0, ${numClasses})`);
  }
  const base = s * numClasses;
  const mine = logits[base + label] as number;
  if (Number.isNaN(mine)) return numClasses;
  let rank = 0;
  for (let j = 0; j < numClasses; j++) {
    const x = logits[base + j] as number;
    if (x > mine || (x === mine && j < label)) rank++;
  }
  return rank;
}

/** Fraction of samples whose label is not among their top-k logits (row-major [samples, numClasses]). */
export function topKError(logits: Float32Array, labels: ArrayLike<number>, numClasses: number, k: number): number {
  checkArgs(logits, labels, numClasses);
  checkK(k);
  if (labels.length === 0) return 0;
  let wrong = 0;
  for (let s = 0; s < labels.length; s++) if (labelRank(logits, s, numClasses, labels[s] as number) >= k) wrong++;
  return wrong / labels.length;
}

/** Streaming top-k counts over batches (top-1 and top-5 by default). */
export class TopKAccumulator {
  readonly numClasses: number;
  readonly ks: readonly number[];
  private readonly hits: number[];
  private samples = 0;

  constructor(numClasses: number, ks: readonly number[] = [1, 5]) {
    ks.forEach(checkK);
    this.numClasses = numClasses;
    this.ks = [...ks];
    this.hits = ks.map(() => 0);
  }

  /** Adds one batch of logits [labels.length, numClasses]. */
  add(logits: ArrayLike<number>, labels: ArrayLike<number>): void {
    checkArgs(logits, labels, this.numClasses);
    for (let s = 0; s < labels.length; s++) {
      const rank = labelRank(logits, s, this.numClasses, labels[s] as number);
      this.ks.forEach((k, i) => {
        if (rank < k) this.hits[i] = (this.hits[i] as number) + 1;
      });
    }
    this.samples += labels.length;
  }

  get count(): number {
    return this.samples;
  }

  /** Samples whose label was within the top k (k must be one of `ks`). */
  correct(k: number): number {
    const i = this.ks.indexOf(k);
    if (i < 0) throw new SlimnetError('INVALID_ARGUMENT', `this accumulator tracks k in [${this.ks.join(', ')}], not ${k}`);
    return this.hits[i] as number;
  }

  /** Top-k error in [0, 1] (0 before any sample). */
  error(k: number): number {
    return this.samples === 0 ? 0 : (this.samples - this.correct(k)) / this.samples;
  }

  get top1Error(): number {
    return this.error(1);
  }

  get top5Error(): number {
    return this.error(5);
  }
}
