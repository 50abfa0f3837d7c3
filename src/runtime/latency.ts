/**
 * Inference latency: a fixed thread count, intra-op spinning disabled, random inputs of the model's
 * declared shapes (the batch dimension set to `batchSize`), each `run` timed with process.hrtime.bigint().
 * `compareLatency` times two models in interleaved blocks (A B A B ...) so that drift in machine load hits
 * both alike. Each run's process CPU time (process.cpuUsage) is recorded too: on a shared machine a
 * longer run is more likely to be preempted for whole scheduler slices, which biases wall-clock medians
 * against the slower model; CPU time (with one intra-op thread the work runs on the calling thread) is not
 * inflated by waiting and estimates the latency on an idle machine.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import { shapeToString } from '../ir/shape.js';
import { allocData, Tensor } from '../ir/tensor.js';
import { Rng } from '../util/rng.js';
import { Session, type Feeds } from './session.js';

/** Options of `measureLatency`: batch size, warm-up and timed runs, threads and input dims or tensors. */
export interface LatencyOptions {
  /** Samples per run: replaces the (symbolic or fixed) first dimension of every input. */
  readonly batchSize: number;
  /** Untimed runs before timing (default 10). */
  readonly warmup?: number;
  /** Timed runs (default 50). */
  readonly runs?: number;
  /** onnxruntime intra-op threads (default 1, the least noisy choice on a small shared machine). */
  readonly threads?: number;
  /** Full dims for inputs whose non-batch dimensions are symbolic or undeclared, by input name. */
  readonly inputDims?: Readonly<Record<string, readonly number[]>>;
  /** Fixed tensors for some inputs (e.g. a sample-rate scalar); other inputs get random data. */
  readonly feeds?: Feeds;
  /** Seed of the random inputs (default 0). */
  readonly seed?: number;
}

/** Timings of one model in milliseconds per run: median, 90th percentile, mean, minimum, and CPU time when measured. */
export interface LatencyResult {
  readonly medianMs: number;
  /** 90th percentile (nearest rank). */
  readonly p90Ms: number;
  readonly meanMs: number;
  readonly minMs: number;
  readonly runs: number;
  readonly batchSize: number;
  readonly threads: number;
  /** Median and minimum process CPU time per run, when measured (see the module comment). */
  readonly cpu?: { readonly medianMs: number; readonly minMs: number };
}

/** Options of `compareLatency`: the latency options plus how the interleaved A / B blocks are paced. */
export interface CompareLatencyOptions extends LatencyOptions {
  /** Number of A-then-B block pairs the timed runs are split into (default 5). */
  readonly blocks?: number;
  /** Pause between blocks in ms, letting the other model's workers go idle (default 20). */
  readonly pauseMs?: number;
}

/** Latency of two models timed interleaved, and their speed ratio. */
export interface LatencyComparison {
  readonly a: LatencyResult;
  readonly b: LatencyResult;
  /** a.medianMs / b.medianMs: above 1 means model b is faster. */
  readonly speedup: number;
  /** The same ratio of median CPU time per run. */
  readonly cpuSpeedup?: number;
}

/** Measures the latency of one model. */
export async function measureLatency(model: Model | Uint8Array, opts: LatencyOptions): Promise<LatencyResult> {
  const r = await compareOrMeasure([model], { ...opts, blocks: 1, pauseMs: 0 });
  return r[0] as LatencyResult;
}

/** Measures two models in interleaved blocks and reports both plus the speedup of b over a. */
export async function compareLatency(a: Model | Uint8Array, b: Model | Uint8Array, opts: CompareLatencyOptions): Promise<LatencyComparison> {
  const [ra, rb] = (await compareOrMeasure([a, b], opts)) as [LatencyResult, LatencyResult];
  const cpu = ra.cpu !== undefined && rb.cpu !== undefined && rb.cpu.medianMs > 0 ? { cpuSpeedup: ra.cpu.medianMs / rb.cpu.medianMs } : {};
  return { a: ra, b: rb, speedup: ra.medianMs / rb.medianMs, ...cpu };
}

async function compareOrMeasure(models: readonly (Model | Uint8Array)[], opts: CompareLatencyOptions): Promise<LatencyResult[]> {
  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new SlimnetError('INVALID_ARGUMENT', `threads must be a positive integer, got ${threads}`);
  checkCounts(opts);
  const sessions: Session[] = [];
  try {
    for (const m of models) sessions.push(await Session.create(m, { threads, allowSpinning: false }));
    const feeds = sessions.map((s) => randomFeeds(s, opts));
    const { wall, cpu } = await timeInterleavedWithCpu(sessions.map((s, i) => () => s.run(feeds[i] as Feeds)), opts);
    return wall.map((t, i) => {
      const c = summarize(cpu[i] as number[], opts.batchSize, threads);
      return { ...summarize(t, opts.batchSize, threads), cpu: { medianMs: c.medianMs, minMs: c.minMs } };
    });
  } finally {
    for (const s of sessions) await s.release();
  }
}

/** Options of `timeInterleaved`: the counting and pacing part of CompareLatencyOptions. */
export type InterleaveOptions = Pick<CompareLatencyOptions, 'batchSize' | 'warmup' | 'runs' | 'blocks' | 'pauseMs'>;

/**
 * Times any set of runners the way compareLatency times models: `warmup` untimed calls each, then the timed
 * runs split into blocks, every runner taking its share of a block in turn (A B C A B C ...) with a pause
 * before each share. Returns the per-call times in ms, one array per runner.
 */
export async function timeInterleaved(fns: ReadonlyArray<() => unknown>, opts: InterleaveOptions): Promise<number[][]> {
  return (await timeInterleavedWithCpu(fns, opts)).wall;
}

/** Like {@link timeInterleaved}, also recording each call's process CPU time (ms). */
export async function timeInterleavedWithCpu(fns: ReadonlyArray<() => unknown>, opts: InterleaveOptions): Promise<{ wall: number[][]; cpu: number[][] }> {
  checkCounts(opts);
  const warmup = opts.warmup ?? 10;
  const runs = opts.runs ?? 50;
  const blocks = Math.max(1, Math.min(opts.blocks ?? 5, runs));
  const pause = opts.pauseMs ?? 20;
  for (const f of fns) for (let w = 0; w < warmup; w++) await f();
  const wall: number[][] = fns.map(() => []);
  const cpu: number[][] = fns.map(() => []);
  for (let blk = 0; blk < blocks; blk++) {
    const count = Math.floor((runs * (blk + 1)) / blocks) - Math.floor((runs * blk) / blocks);
    for (let i = 0; i < fns.length; i++) {
      if (fns.length > 1 && pause > 0) await sleep(pause);
      const f = fns[i] as () => unknown;
      for (let r = 0; r < count; r++) {
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        await f();
        (wall[i] as number[]).push(Number(process.hrtime.bigint() - t0) / 1e6);
        const c = process.cpuUsage(c0);
        (cpu[i] as number[]).push((c.user + c.system) / 1000);
      }
    }
  }
  return { wall, cpu };
}

function checkCounts(opts: InterleaveOptions): void {
  for (const [k, v] of [['batchSize', opts.batchSize], ['runs', opts.runs ?? 50]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new SlimnetError('INVALID_ARGUMENT', `${k} must be a positive integer, got ${v}`);
  }
  const warmup = opts.warmup ?? 10;
  if (!Number.isInteger(warmup) || warmup < 0) throw new SlimnetError('INVALID_ARGUMENT', `warmup must be a non-negative integer, got ${warmup}`);
}

/** Median, p90 (nearest rank), mean and min of timings in ms. */
export function summarize(ms: readonly number[], batchSize: number, threads: number): LatencyResult {
  const sorted = [...ms].sort((x, y) => x - y);
  const n = sorted.length;
  const at = (q: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] as number;
  const median = n % 2 === 1 ? (sorted[(n - 1) / 2] as number) : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
  return {
    medianMs: median,
    p90Ms: at(0.9),
    meanMs: sorted.reduce((a, b) => a + b, 0) / n,
    minMs: sorted[0] as number,
    runs: n,
    batchSize,
    threads,
  };
}

/** Random tensors for every input of `session` (fixed `opts.feeds` win), batch dimension = batchSize. */
export function randomFeeds(session: Session, opts: Pick<LatencyOptions, 'batchSize' | 'inputDims' | 'feeds' | 'seed'>): Feeds {
  const rng = new Rng(opts.seed ?? 0);
  const feeds: Record<string, Tensor> = {};
  for (const info of session.inputs) {
    const fixed = opts.feeds?.[info.name];
    if (fixed !== undefined) {
      feeds[info.name] = fixed;
      continue;
    }
    const dims = opts.inputDims?.[info.name] ?? batchDims(info.name, info.shape, opts.batchSize);
    const dtype = info.dtype ?? 'float32';
    if (dtype === 'string') throw new SlimnetError('INVALID_ARGUMENT', `input '${info.name}' is a string tensor; pass it in opts.feeds`);
    const t = new Tensor(dtype, dims, allocData(dtype, dims.reduce((a, b) => a * b, 1)));
    if (t.data instanceof Float32Array || t.data instanceof Float64Array) {
      for (let i = 0; i < t.data.length; i++) t.data[i] = rng.normal();
    }
    feeds[info.name] = t;
  }
  return feeds;
}

function batchDims(name: string, shape: readonly (number | string | null)[] | undefined, batchSize: number): number[] {
  if (shape === undefined) {
    throw new SlimnetError('INVALID_ARGUMENT', `input '${name}' declares no shape; give its dims in opts.inputDims`);
  }
  return shape.map((d, i) => {
    if (i === 0) return batchSize;
    if (typeof d === 'number') return d;
    throw new SlimnetError(
      'INVALID_ARGUMENT',
      `input '${name}' is declared ${shapeToString(shape)}: dimension ${i} is not fixed; give its dims in opts.inputDims`,
    );
  });
}
