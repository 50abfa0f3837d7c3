/**
 * Fidelity of a candidate model's outputs to a reference model's on the same inputs, with or without labels:
 * cosine similarity, SQNR (signal-to-quantization-noise ratio, dB), largest absolute difference, and — for
 * outputs that look like class scores ([N, C], C > 1) — how often both pick the same top class.
 */
import { SlimnetError } from '../ir/errors.js';

/** The fidelity of one output over every sample seen. */
export interface OutputFidelity {
  /** The output's name. */
  readonly name: string;
  /** Elements compared. */
  readonly elements: number;
  /** Cosine similarity of the two outputs as flat vectors (1 = same direction; 1 when both are zero). */
  readonly cosine: number;
  /** 10·log10(Σ ref² / Σ (ref − cand)²) in dB; Infinity when identical. */
  readonly sqnrDb: number;
  /** max |ref − cand|. */
  readonly maxAbsError: number;
  /** Fraction of rows whose arg-max agrees, for class-score outputs ([N, C], C > 1); undefined otherwise. */
  readonly top1Agreement?: number;
}

/** True when an output of these dims holds one score vector per sample. */
export function isClassScores(dims: readonly number[]): boolean {
  return dims.length === 2 && (dims[1] ?? 0) > 1;
}

/** Index (0-based within the row) of the largest of the `n` values of `x` starting at `from`. */
export function argmax(x: ArrayLike<number>, from: number, n: number): number {
  let best = from;
  for (let i = from + 1; i < from + n; i++) if ((x[i] as number) > (x[best] as number)) best = i;
  return best - from;
}

/** Streams batches of one output of both models and sums what the fidelity measures need. */
export class FidelityAccumulator {
  private dot = 0;
  private refSq = 0;
  private candSq = 0;
  private errSq = 0;
  private maxAbs = 0;
  private n = 0;
  private rows = 0;
  private agree = 0;
  private classLike = true;

  /** @param name the output's name */
  constructor(readonly name: string) {}

  /** Adds one batch: the two outputs' values (same length) and their dims (batch axis first). */
  add(ref: ArrayLike<number>, cand: ArrayLike<number>, dims: readonly number[]): void {
    if (ref.length !== cand.length) {
      throw new SlimnetError('SHAPE_MISMATCH', `output '${this.name}': reference has ${ref.length} values, candidate ${cand.length}`);
    }
    for (let i = 0; i < ref.length; i++) {
      const r = ref[i] as number;
      const c = cand[i] as number;
      const d = r - c;
      this.dot += r * c;
      this.refSq += r * r;
      this.candSq += c * c;
      this.errSq += d * d;
      const a = Math.abs(d);
      if (a > this.maxAbs || Number.isNaN(a)) this.maxAbs = a;
    }
    this.n += ref.length;
    this.classLike &&= isClassScores(dims);
    if (!this.classLike) return;
    const [rows, classes] = dims as [number, number];
    for (let r = 0; r < rows; r++) {
      if (argmax(ref, r * classes, classes) === argmax(cand, r * classes, classes)) this.agree++;
    }
    this.rows += rows;
  }

  /** The measures so far. */
  result(): OutputFidelity {
    const norm = Math.sqrt(this.refSq * this.candSq);
    const cosine = norm === 0 ? (this.refSq === this.candSq ? 1 : 0) : this.dot / norm;
    const sqnrDb = this.errSq === 0 ? Infinity : 10 * Math.log10(this.refSq / this.errSq);
    return {
      name: this.name, elements: this.n, cosine, sqnrDb, maxAbsError: this.maxAbs,
      ...(this.classLike && this.rows > 0 ? { top1Agreement: this.agree / this.rows } : {}),
    };
  }
}

/** One line per output, e.g. "logits: top-1 agreement 99.20 %, cosine 0.99991, SQNR 31.4 dB, max |Δ| 0.0213". */
export function formatFidelity(f: readonly OutputFidelity[]): string[] {
  return f.map((o) => {
    const parts = [
      ...(o.top1Agreement === undefined ? [] : [`top-1 agreement ${(100 * o.top1Agreement).toFixed(2)} %`]),
      `cosine ${o.cosine.toFixed(5)}`, `SQNR ${Number.isFinite(o.sqnrDb) ? o.sqnrDb.toFixed(1) : '∞'} dB`,
      `max |Δ| ${o.maxAbsError.toPrecision(3)}`,
    ];
    return `${o.name}: ${parts.join(', ')}`;
  });
}
