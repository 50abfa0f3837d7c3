/**
 * The end-to-end check and measurement of a binary model: the BinaryRunner (XNOR kernel + onnxruntime
 * segments) against onnxruntime running the whole model in float, on the same random inputs — agreement of
 * the outputs, then latency timed in interleaved blocks (median of `runs`), plus where the runner's time goes.
 */
import type { Model } from '../../../ir/graph.js';
import type { Tensor } from '../../../ir/tensor.js';
import { randomFeeds, summarize, timeInterleaved, type LatencyResult } from '../../../runtime/latency.js';
import { Session } from '../../../runtime/session.js';
import type { XnorIsa } from '../../../kernels/xnor/kernel.js';
import { BinaryRunner, type BinaryLayerInfo, type StepTime } from './runner.js';

/**
 * Options of `compareBinaryLatency`: batch size, runs, warm-up, interleaved blocks, threads, kernel variant, baseline.
 */
export interface BinaryLatencyOptions {
  /** Samples per run (the first dimension of every input). */
  readonly batchSize: number;
  /** Timed runs of each engine (default 50). */
  readonly runs?: number;
  /** Untimed runs first (default 10). */
  readonly warmup?: number;
  /** Interleaved blocks (default 5). */
  readonly blocks?: number;
  /** onnxruntime and kernel threads (default 1). */
  readonly threads?: number;
  /** Kernel variant (default 'auto'). */
  readonly isa?: XnorIsa | 'auto';
  /** Full dims of inputs whose non-batch dimensions are not fixed in the model. */
  readonly inputDims?: Readonly<Record<string, readonly number[]>>;
  /** Seed of the random inputs (default 0). */
  readonly seed?: number;
  /** Another model (same inputs) timed on onnxruntime in the same interleaved blocks, e.g. the float network before binarization. */
  readonly baseline?: Model;
}

/** Latency of a binary model on onnxruntime and on the BinaryRunner, their speed ratio and output agreement. */
export interface BinaryLatencyResult {
  /** The whole model on onnxruntime (float). */
  readonly onnxruntime: LatencyResult;
  /** The BinaryRunner. */
  readonly runner: LatencyResult;
  /** onnxruntime median / runner median (above 1: the runner is faster). */
  readonly speedup: number;
  readonly engine: 'xnor' | 'onnxruntime';
  readonly layers: readonly BinaryLayerInfo[];
  readonly segments: number;
  /** Largest |runner − onnxruntime| over all outputs, and the largest |onnxruntime output| for scale. */
  readonly maxAbsDiff: number;
  readonly maxAbsOutput: number;
  /** Fraction of rows of the first output whose argmax agrees (classifier outputs [N, classes]). */
  readonly argmaxAgreement: number;
  /** Mean wall time per run of each runner step (kernel layers and onnxruntime segments). */
  readonly steps: readonly StepTime[];
  /** The `baseline` model's latency, when one was given. */
  readonly baseline: LatencyResult | undefined;
  /**
   * Median process CPU time per run (user + system, ms) of onnxruntime, the runner and the baseline: on a
   * shared machine wall time includes waiting for a core; CPU time of single-threaded work does not.
   */
  readonly cpuMs: { readonly onnxruntime: number; readonly runner: number; readonly baseline: number | undefined };
}

/** Wraps `f` so each call's process CPU time (ms) is appended to `into`. */
export function withCpuTime(f: () => unknown, into: number[]): () => Promise<void> {
  return async () => {
    const c0 = process.cpuUsage();
    await f();
    const c = process.cpuUsage(c0);
    into.push((c.user + c.system) / 1000);
  };
}

/** The median of `xs` (NaN when empty). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 === 1 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

/**
 * Times a binary model on onnxruntime and on the BinaryRunner (XNOR kernel) interleaved, and checks their outputs
 * agree.
 */
export async function compareBinaryLatency(model: Model, opts: BinaryLatencyOptions): Promise<BinaryLatencyResult> {
  const threads = opts.threads ?? 1;
  const session = await Session.create(model, { threads, allowSpinning: false });
  let runner: BinaryRunner | undefined;
  let base: Session | undefined;
  try {
    if (opts.baseline !== undefined) base = await Session.create(opts.baseline, { threads, allowSpinning: false });
    runner = await BinaryRunner.create(model, { threads, isa: opts.isa ?? 'auto', profile: true });
    const feeds = randomFeeds(session, { batchSize: opts.batchSize, seed: opts.seed ?? 0, ...(opts.inputDims === undefined ? {} : { inputDims: opts.inputDims }) });
    const want = await session.run(feeds);
    const got = await runner.run(feeds);
    const agreement = compareOutputs(want, got);
    runner.stepTimes(true);
    const r = runner;
    const b = base;
    const cpu: number[][] = [[], [], []];
    const fns = [() => session.run(feeds), () => r.run(feeds), ...(b === undefined ? [] : [() => b.run(feeds)])].map((f, i) => withCpuTime(f, cpu[i] as number[]));
    const [tOrt, tRun, tBase] = (await timeInterleaved(fns, { ...opts, blocks: opts.blocks ?? 5 })) as [number[], number[], number[] | undefined];
    const warm = opts.warmup ?? 10;
    const cpuMs = { onnxruntime: median((cpu[0] as number[]).slice(warm)), runner: median((cpu[1] as number[]).slice(warm)), baseline: b === undefined ? undefined : median((cpu[2] as number[]).slice(warm)) };
    const onnxruntime = summarize(tOrt, opts.batchSize, threads);
    const timed = summarize(tRun, opts.batchSize, threads);
    const steps = runner.stepTimes().map((s) => ({ ...s, totalMs: s.totalMs / Math.max(1, s.runs), runs: 1 }));
    return {
      onnxruntime, runner: timed, speedup: onnxruntime.medianMs / timed.medianMs, engine: runner.engine, layers: runner.layers,
      segments: runner.segments, ...agreement, steps, baseline: tBase === undefined ? undefined : summarize(tBase, opts.batchSize, threads), cpuMs,
    };
  } finally {
    await base?.release();
    await session.release();
    await runner?.release();
  }
}

function compareOutputs(want: Record<string, Tensor>, got: Record<string, Tensor>): Pick<BinaryLatencyResult, 'maxAbsDiff' | 'maxAbsOutput' | 'argmaxAgreement'> {
  let maxAbsDiff = 0;
  let maxAbsOutput = 0;
  for (const [k, w] of Object.entries(want)) {
    const a = w.data as ArrayLike<number>;
    const b = got[k]?.data as ArrayLike<number> | undefined;
    for (let i = 0; i < a.length; i++) {
      maxAbsOutput = Math.max(maxAbsOutput, Math.abs(a[i] as number));
      maxAbsDiff = Math.max(maxAbsDiff, b === undefined ? Infinity : Math.abs((a[i] as number) - (b[i] as number)));
    }
  }
  const first = Object.keys(want)[0];
  const w = first === undefined ? undefined : want[first];
  const g = first === undefined ? undefined : got[first];
  let agree = 0;
  let rows = 0;
  if (w !== undefined && g !== undefined && w.rank === 2) {
    const [n, c] = w.dims as [number, number];
    const argmax = (d: ArrayLike<number>, r: number): number => {
      let best = 0;
      for (let j = 1; j < c; j++) if ((d[r * c + j] as number) > (d[r * c + best] as number)) best = j;
      return best;
    };
    for (let r = 0; r < n; r++) if (argmax(w.data as ArrayLike<number>, r) === argmax(g.data as ArrayLike<number>, r)) agree++;
    rows = n;
  }
  return { maxAbsDiff, maxAbsOutput, argmaxAgreement: rows === 0 ? NaN : agree / rows };
}
