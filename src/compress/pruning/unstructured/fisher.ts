/**
 * Diagonal curvature for Optimal Brain Damage, from gradients computed by onnxruntime on a gradient
 * graph (see gradient-graph.ts). For softmax cross-entropy the Gauss-Newton (GGN) matrix is
 * Jᵀ (diag p − p pᵀ) J, with J the Jacobian of the logits and p the softmax; its diagonal equals
 * E_x Σ_c p_c (∂ℓ_c/∂w)² where ℓ_c is the loss with label c. Modes (`labels`):
 *  - 'exact' (default for cross-entropy): that sum over classes, one per-sample gradient per class with
 *    p_c ≥ `minProbability` (the skipped classes add at most p_c·|g|²). No sampling noise: on a confident
 *    model the curvature comes almost entirely from the unlikely classes, which sampling rarely draws;
 *  - 'sampled': one label per sample drawn from the model's softmax (an unbiased one-sample estimate of
 *    the same diagonal, noisy on confident models);
 *  - 'empirical': the data labels (the "empirical Fisher"; the only mode for custom losses).
 * In 'sampled' / 'empirical' mode with batchSize B > 1 each batch-mean gradient ḡ contributes B·ḡ², which
 * equals the per-sample mean of g² only when per-sample gradients are uncorrelated; 'exact' is per sample.
 */
import type { Split } from '../../../data/types.js';
import { batches } from '../../../data/batches.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { planInput, type InputPlan } from '../../../runtime/model-input.js';
import { Session } from '../../../runtime/session.js';
import { Rng } from '../../../util/rng.js';
import { buildGradientGraph, crossEntropyLoss, type GradientGraph, type GradientLoss } from './gradient-graph.js';

/** Options of `fisherDiagonal`: samples, batch size, label mode (exact, sampled, empirical), seed and threads. */
export interface FisherOptions {
  /** Samples to average over (default 512). */
  readonly samples?: number;
  /** Samples per gradient evaluation in 'sampled' / 'empirical' mode (default 1: exact per-sample squares). */
  readonly batchSize?: number;
  /** 'exact' (default with cross-entropy), 'sampled' or 'empirical' labels; custom losses are always empirical. */
  readonly labels?: 'exact' | 'sampled' | 'empirical';
  /** 'exact' mode: classes with a smaller softmax probability are skipped (default 1e-6). */
  readonly minProbability?: number;
  /** Seed of the sample order and of label sampling (default 0). */
  readonly seed?: number;
  /** onnxruntime threads (default 2). */
  readonly threads?: number;
}

/** A batch fed to a custom-loss gradient graph. */
export interface FisherBatch {
  readonly image: Tensor;
  readonly target: Tensor;
}

function softmaxRow(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const z of row) max = Math.max(max, z);
  const p = Float64Array.from(row, (z) => Math.exp(z - max));
  const sum = p.reduce((a, b) => a + b, 0);
  return p.map((x) => x / sum);
}

function sampleLabels(logits: Float32Array, classes: number, rng: Rng): BigInt64Array {
  const n = logits.length / classes;
  const out = new BigInt64Array(n);
  for (let r = 0; r < n; r++) {
    const p = softmaxRow(logits.subarray(r * classes, (r + 1) * classes));
    let u = rng.next();
    let c = 0;
    for (; c < classes - 1; c++) {
      u -= p[c] as number;
      if (u <= 0) break;
    }
    out[r] = BigInt(c);
  }
  return out;
}

/** Accumulates weight × g² of one gradient evaluation into `acc`. */
async function addSquares(session: Session, gg: GradientGraph, acc: Map<string, Float64Array>, image: Tensor, target: Tensor, weight: number): Promise<void> {
  const out = await session.run({ [gg.input]: image, [gg.target]: target }, [...gg.grads.values()]);
  for (const [p, name] of gg.grads) {
    const g = out[name]?.data as Float32Array;
    const a = acc.get(p) as Float64Array;
    for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) + weight * (g[i] as number) * (g[i] as number);
  }
}

/** 'exact' GGN diagonal: per sample, Σ_c p_c g_c²; returns the samples seen. */
async function exactGgn(session: Session, gg: GradientGraph, acc: Map<string, Float64Array>, data: Split, plan: InputPlan, limit: number, o: FisherOptions): Promise<number> {
  const minP = o.minProbability ?? 1e-6;
  const per = data.images.length / data.count;
  let seen = 0;
  for (const bt of batches(data, { batchSize: 64, shuffle: true, seed: o.seed ?? 0 })) {
    if (seen >= limit) break;
    const n = Math.min(bt.size, limit - seen);
    const x = bt.x.slice(0, n * per);
    const logits = (await session.run({ [gg.input]: new Tensor('float32', plan.dims(n), x), [gg.target]: new Tensor('int64', [n], new BigInt64Array(n)) }, [gg.output]))[gg.output];
    const z = logits?.data as Float32Array;
    const classes = z.length / n;
    for (let r = 0; r < n; r++) {
      const image = new Tensor('float32', plan.dims(1), x.slice(r * per, (r + 1) * per));
      const p = softmaxRow(z.subarray(r * classes, (r + 1) * classes));
      for (let c = 0; c < classes; c++) {
        if ((p[c] as number) < minP) continue;
        await addSquares(session, gg, acc, image, new Tensor('int64', [1], BigInt64Array.of(BigInt(c))), p[c] as number);
      }
    }
    seen += n;
  }
  return seen;
}

/** Fisher / GGN diagonal of `params` on `data` (a split with labels, or custom batches for a custom loss). */
export async function fisherDiagonal(
  model: Model, params: readonly string[], data: Split | Iterable<FisherBatch>, opts: FisherOptions = {}, loss: GradientLoss = crossEntropyLoss,
): Promise<Map<string, Float64Array>> {
  const gg = buildGradientGraph(model, params, loss);
  const session = await Session.create(gg.model, { threads: opts.threads ?? 2 });
  const acc = new Map(params.map((p) => [p, new Float64Array(model.graph.initializers.get(p)?.initializer?.size ?? 0)]));
  const rng = new Rng((opts.seed ?? 0) + 7);
  const mode = opts.labels ?? (loss === crossEntropyLoss ? 'exact' : 'empirical');
  if (mode !== 'empirical' && loss !== crossEntropyLoss) throw new SlimnetError('INVALID_ARGUMENT', `'${mode}' labels need the cross-entropy loss`);
  let seen = 0;
  try {
    if ('images' in data) {
      const limit = Math.min(data.count, opts.samples ?? 512);
      const plan = planInput(session, data.sampleShape, gg.input);
      if (mode === 'exact') seen = await exactGgn(session, gg, acc, data, plan, limit, opts);
      else {
        for (const bt of batches(data, { batchSize: opts.batchSize ?? 1, shuffle: true, seed: opts.seed ?? 0 })) {
          if (seen >= limit) break;
          const image = new Tensor('float32', plan.dims(bt.size), bt.x);
          let labels: BigInt64Array = BigInt64Array.from(bt.y, (y) => BigInt(y));
          if (mode === 'sampled') {
            const logits = (await session.run({ [gg.input]: image, [gg.target]: new Tensor('int64', [bt.size], labels) }, [gg.output]))[gg.output];
            labels = sampleLabels(logits?.data as Float32Array, (logits?.size ?? 0) / bt.size, rng);
          }
          await addSquares(session, gg, acc, image, new Tensor('int64', [bt.size], labels), bt.size);
          seen += bt.size;
        }
      }
    } else {
      for (const bt of data) {
        const size = bt.image.dims[0] ?? 1;
        await addSquares(session, gg, acc, bt.image, bt.target, size);
        seen += size;
      }
    }
  } finally {
    await session.release();
  }
  for (const a of acc.values()) for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) / Math.max(1, seen);
  return acc;
}
