/**
 * Running models over feeds (any number of named inputs, labels optional) and comparing a candidate with its
 * reference: fidelity per output (metrics/fidelity.ts) and, where labels exist and an output is class scores,
 * the top-1 error of both.
 */
import type { FeedBatch, FeedSet } from '../data/feeds.js';
import { feedBatches } from '../data/feeds.js';
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { FidelityAccumulator, isClassScores, type OutputFidelity } from '../metrics/fidelity.js';
import { Session, type SessionValueInfo } from './session.js';

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

/** Checks that `feeds` provides exactly the session's inputs, with matching sample shapes. */
export function checkFeeds(inputs: readonly SessionValueInfo[], feeds: FeedSet, model: string): void {
  const given = new Map(feeds.inputs.map((x) => [x.name, x]));
  for (const info of inputs) {
    const x = given.get(info.name);
    if (x === undefined) {
      throw new SlimnetError('DATASET_INVALID',
        `${feeds.source}: no samples for input '${info.name}' of ${model} (has: ${[...given.keys()].join(', ')})`);
    }
    const rest = info.shape?.slice(1) ?? [];
    const fixed = info.shape !== undefined && rest.length === x.sampleShape.length
      && rest.every((d, i) => typeof d !== 'number' || d === x.sampleShape[i]);
    if (info.shape !== undefined && !fixed) {
      throw new SlimnetError('DATASET_INVALID', `${feeds.source}: input '${info.name}' samples have shape `
        + `[${x.sampleShape.join(', ')}], ${model} expects [N, ${rest.map((d) => d ?? '?').join(', ')}]`);
    }
    given.delete(info.name);
  }
  if (given.size > 0) {
    throw new SlimnetError('DATASET_INVALID', `${feeds.source}: ${[...given.keys()].join(', ')} `
      + `name no input of ${model} (inputs: ${inputs.map((i) => i.name).join(', ')})`);
  }
}

/** Runs `model` over the feeds, calling `visit` with every batch and its outputs. */
export async function runFeeds(
  model: Model | Uint8Array, feeds: FeedSet, opts: CompareOptions,
  visit: (batch: FeedBatch, outputs: Record<string, Tensor>) => void, label = 'the model',
): Promise<void> {
  const session = await Session.create(model, opts.threads === undefined ? {} : { threads: opts.threads });
  try {
    checkFeeds(session.inputs, feeds, label);
    for (const b of feedBatches(feeds, opts.batchSize ?? 64, opts.limit)) visit(b, await session.run(b.feeds));
  } finally {
    await session.release();
  }
}

/** Rows of class scores `t` whose top class is not the label. */
function top1Wrong(t: Tensor, labels: Int32Array): number {
  const x = t.toFloat32();
  const [rows, classes] = t.dims as [number, number];
  let wrong = 0;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if ((x[r * classes + c] as number) > (x[r * classes + best] as number)) best = c;
    if (best !== labels[r]) wrong++;
  }
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
    checkFeeds(ref.inputs, feeds, 'the reference model');
    checkFeeds(cand.inputs, feeds, 'the compressed model');
    const acc = new Map<string, FidelityAccumulator>();
    let count = 0;
    let scores: { name: string; wrongRef: number; wrongCand: number } | undefined;
    for (const b of feedBatches(feeds, opts.batchSize ?? 64, opts.limit)) {
      const r = await ref.run(b.feeds);
      const c = await cand.run(b.feeds);
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
