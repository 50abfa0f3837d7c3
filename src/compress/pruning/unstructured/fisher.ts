/**
 * Diagonal curvature for Optimal Brain Damage, from gradients computed by onnxruntime on a gradient
 * graph (see gradient-graph.ts). The Hessian diagonal is approximated by the Fisher diagonal
 * F_ii = E[g_i²] over samples:
 *  - labels 'sampled' (default for cross-entropy): the label of each sample is drawn from the model's own
 *    softmax, which makes E[g²] an unbiased estimate of the Gauss-Newton (GGN) diagonal for softmax
 *    cross-entropy (the true Fisher equals the GGN there);
 *  - labels 'empirical': the data labels (the "empirical Fisher").
 * With batchSize B > 1 each batch-mean gradient ḡ contributes B·ḡ², which equals the per-sample mean of
 * g² when per-sample gradients are uncorrelated (near a minimum); batchSize 1 (default) is exact per sample.
 */
import type { Split } from '../../../data/types.js';
import { batches } from '../../../data/batches.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { planInput } from '../../../runtime/model-input.js';
import { Session } from '../../../runtime/session.js';
import { Rng } from '../../../util/rng.js';
import { buildGradientGraph, crossEntropyLoss, type GradientLoss } from './gradient-graph.js';

export interface FisherOptions {
  /** Samples to average over (default 512). */
  readonly samples?: number;
  /** Samples per gradient evaluation (default 1: exact per-sample squares). */
  readonly batchSize?: number;
  /** 'sampled' (default with cross-entropy) or 'empirical' labels; custom losses are always empirical. */
  readonly labels?: 'sampled' | 'empirical';
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

function sampleLabels(logits: Float32Array, classes: number, rng: Rng): BigInt64Array {
  const n = logits.length / classes;
  const out = new BigInt64Array(n);
  for (let r = 0; r < n; r++) {
    const row = logits.subarray(r * classes, (r + 1) * classes);
    let max = -Infinity;
    for (const z of row) max = Math.max(max, z);
    let sum = 0;
    for (const z of row) sum += Math.exp(z - max);
    let u = rng.next() * sum;
    let c = 0;
    for (; c < classes - 1; c++) {
      u -= Math.exp((row[c] as number) - max);
      if (u <= 0) break;
    }
    out[r] = BigInt(c);
  }
  return out;
}

/** Fisher diagonal of `params` on `data` (a split with labels, or custom batches for a custom loss). */
export async function fisherDiagonal(
  model: Model, params: readonly string[], data: Split | Iterable<FisherBatch>, opts: FisherOptions = {}, loss: GradientLoss = crossEntropyLoss,
): Promise<Map<string, Float64Array>> {
  const gg = buildGradientGraph(model, params, loss);
  const session = await Session.create(gg.model, { threads: opts.threads ?? 2 });
  const acc = new Map(params.map((p) => [p, new Float64Array(model.graph.initializers.get(p)?.initializer?.size ?? 0)]));
  const rng = new Rng((opts.seed ?? 0) + 7);
  let seen = 0;
  const accumulate = async (image: Tensor, target: Tensor, size: number): Promise<void> => {
    const out = await session.run({ [gg.input]: image, [gg.target]: target }, [...gg.grads.values()]);
    for (const [p, name] of gg.grads) {
      const g = out[name]?.data as Float32Array;
      const a = acc.get(p) as Float64Array;
      for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) + size * (g[i] as number) * (g[i] as number);
    }
    seen += size;
  };
  try {
    if ('images' in data) {
      const limit = Math.min(data.count, opts.samples ?? 512);
      const plan = planInput(session, data.sampleShape, gg.input);
      const sampled = (opts.labels ?? (loss === crossEntropyLoss ? 'sampled' : 'empirical')) === 'sampled';
      if (sampled && loss !== crossEntropyLoss) throw new SlimnetError('INVALID_ARGUMENT', 'sampled labels need the cross-entropy loss');
      for (const bt of batches(data, { batchSize: opts.batchSize ?? 1, shuffle: true, seed: opts.seed ?? 0 })) {
        if (seen >= limit) break;
        const image = new Tensor('float32', plan.dims(bt.size), bt.x);
        let labels: BigInt64Array = BigInt64Array.from(bt.y, (y) => BigInt(y));
        if (sampled) {
          const logits = (await session.run({ [gg.input]: image, [gg.target]: new Tensor('int64', [bt.size], labels) }, [gg.output]))[gg.output];
          labels = sampleLabels(logits?.data as Float32Array, (logits?.size ?? 0) / bt.size, rng);
        }
        await accumulate(image, new Tensor('int64', [bt.size], labels), bt.size);
      }
    } else {
      for (const bt of data) await accumulate(bt.image, bt.target, bt.image.dims[0] ?? 1);
    }
  } finally {
    await session.release();
  }
  for (const a of acc.values()) for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) / Math.max(1, seen);
  return acc;
}
