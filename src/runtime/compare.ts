/**
 * Running models over feeds (any number of named inputs, labels optional) and comparing a candidate with its
 * reference: fidelity per output (metrics/fidelity.ts) and, where labels exist and an output is class scores,
 * the top-1 error of both.
 */
import type { FeedBatch, FeedSet } from '../data/feeds.js';
import type { Model } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { argmax, FidelityAccumulator, isClassScores, type OutputFidelity } from '../metrics/fidelity.js';
import { feedRuns, type FeedRunOptions } from './feed-run.js';
import { Session } from './session.js';

/** Options of compareModels / runFeeds. */
export interface CompareOptions {
  /** Samples per run (default 64). */
  readonly batchSize?: number;
  /** Only the first `limit` samples. */
  readonly limit?: number;
  /** onnxruntime intra-op threads (default: Session's). */
  readonly threads?: number;
}

/** What compareModels measured. */
export interface Comparison {
  /** Samples compared. */
  readonly count: number;
  /** One entry per output the two models share, in the reference's order. */
  readonly outputs: readonly OutputFidelity[];
  /** Top-1 error of both models on the first class-score output, when the feeds have labels. */
  readonly labelled?: { readonly output: string; readonly reference: number; readonly candidate: number };
}

/** Runs `model` over the feeds (state fed back where the model has it), calling `visit` with every batch. */
export async function runFeeds(
  model: Model | Uint8Array, feeds: FeedSet, opts: CompareOptions,
  visit: (batch: FeedBatch, outputs: Record<string, Tensor>) => void, label = 'the model',
): Promise<void> {
  const session = await Session.create(model, opts.threads === undefined ? {} : { threads: opts.threads });
  try {
    for await (const r of feedRuns(session, feeds, runOptions(opts), label)) visit(r.batch, r.outputs);
  } finally {
    await session.release();
  }
}

function runOptions(opts: CompareOptions): FeedRunOptions {
  return { ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }),
    ...(opts.limit === undefined ? {} : { limit: opts.limit }) };
}

/** Rows of class scores `t` whose top class is not the label. */
function top1Wrong(t: Tensor, labels: Int32Array): number {
  const x = t.toFloat32();
  const [rows, classes] = t.dims as [number, number];
  let wrong = 0;
  for (let r = 0; r < rows; r++) if (argmax(x, r * classes, classes) !== labels[r]) wrong++;
  return wrong;
}

/** Fidelity of `candidate` to `reference` on the feeds; labelled top-1 errors too where labels exist. */
export async function compareModels(
  reference: Model | Uint8Array, candidate: Model | Uint8Array, feeds: FeedSet, opts: CompareOptions = {},
): Promise<Comparison> {
  const threads = opts.threads === undefined ? {} : { threads: opts.threads };
  const sessions: Session[] = [];
  try {
    sessions.push(await Session.create(reference, threads));
    sessions.push(await Session.create(candidate, threads));
    const [ref, cand] = sessions as [Session, Session];
    const refRuns = feedRuns(ref, feeds, runOptions(opts), 'the reference model');
    const candRuns = feedRuns(cand, feeds, runOptions(opts), 'the compressed model');
    const acc = new Map<string, FidelityAccumulator>();
    let count = 0;
    let scores: { name: string; wrongRef: number; wrongCand: number } | undefined;
    for await (const { batch: b, outputs: r } of refRuns) {
      const next = await candRuns.next();
      if (next.done === true) break;
      const c = next.value.outputs;
      for (const [name, rt] of Object.entries(r)) {
        const ct = c[name];
        if (ct === undefined) continue;
        const a = acc.get(name) ?? new FidelityAccumulator(name);
        acc.set(name, a);
        a.add(rt.toFloat32(), ct.toFloat32(), rt.dims);
        if (b.labels === undefined || !isClassScores(rt.dims)) continue;
        scores ??= { name, wrongRef: 0, wrongCand: 0 };
        if (scores.name !== name) continue;
        scores.wrongRef += top1Wrong(rt, b.labels);
        scores.wrongCand += top1Wrong(ct, b.labels);
      }
      count += b.count;
    }
    const labelled = scores === undefined ? undefined
      : { output: scores.name, reference: scores.wrongRef / count, candidate: scores.wrongCand / count };
    return { count, outputs: [...acc.values()].map((a) => a.result()), ...(labelled === undefined ? {} : { labelled }) };
  } finally {
    for (const s of sessions) await s.release();
  }
}

/** Summary statistics of one output over every sample. */
export interface OutputSummary {
  readonly name: string;
  /** Shape of one sample's output (the batch axis dropped). */
  readonly sampleShape: readonly number[];
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

/** What describeOutputs measured: per-output statistics, and the top-1 error where labels and class scores exist. */
export interface OutputDescription {
  readonly count: number;
  readonly outputs: readonly OutputSummary[];
  readonly labelled?: { readonly output: string; readonly top1Error: number };
}

/** Runs one model over the feeds and summarises its outputs (no reference, labels optional). */
export async function describeOutputs(
  model: Model | Uint8Array, feeds: FeedSet, opts: CompareOptions = {},
): Promise<OutputDescription> {
  const sums = new Map<string, { shape: number[]; n: number; s: number; s2: number; lo: number; hi: number }>();
  let count = 0;
  let scores: { name: string; wrong: number } | undefined;
  await runFeeds(model, feeds, opts, (b, out) => {
    for (const [name, t] of Object.entries(out)) {
      const x = t.toFloat32();
      const a = sums.get(name) ?? { shape: t.dims.slice(1), n: 0, s: 0, s2: 0, lo: Infinity, hi: -Infinity };
      sums.set(name, a);
      for (const v of x) {
        a.s += v;
        a.s2 += v * v;
        if (v < a.lo) a.lo = v;
        if (v > a.hi) a.hi = v;
      }
      a.n += x.length;
      if (b.labels === undefined || !isClassScores(t.dims)) continue;
      scores ??= { name, wrong: 0 };
      if (scores.name === name) scores.wrong += top1Wrong(t, b.labels);
    }
    count += b.count;
  });
  const outputs = [...sums.entries()].map(([name, a]) => {
    const mean = a.s / Math.max(1, a.n);
    return { name, sampleShape: a.shape, mean, std: Math.sqrt(Math.max(0, a.s2 / Math.max(1, a.n) - mean * mean)),
      min: a.lo, max: a.hi };
  });
  const found = scores as { name: string; wrong: number } | undefined;
  return { count, outputs, ...(found === undefined ? {} : { labelled: { output: found.name, top1Error: found.wrong / count } }) };
}
