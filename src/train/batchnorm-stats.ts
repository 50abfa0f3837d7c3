/**
 * recalibrateBatchNorm: re-estimates every BatchNormalization's running mean and variance from the model as
 * it is deployed, on a few training images, leaving all other weights untouched. Needed whenever the weights
 * a model was trained with differ from the ones it runs with — stochastic BinaryConnect (BN statistics of
 * randomly sampled ±H networks, deployed as sign(w)·H), a factored or pruned layer before fine-tuning — since
 * stale statistics shift every following activation.
 *
 * Exact population statistics, in dependency order: a pass feeds the images through the model and collects
 * the inputs of every BatchNorm none of whose upstream BatchNorms is still pending, so each is estimated
 * from activations that already pass through re-estimated statistics (ResNet-20: one pass per BN depth).
 */
import type { Split } from '../data/types.js';
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import { Session } from '../runtime/session.js';

export interface RecalibrateBatchNormOptions {
  /** Images to estimate from (the first `samples` of the split are used). */
  readonly data: Split;
  /** Number of images (default 2048, at most the split's size). */
  readonly samples?: number;
  /** Images per onnxruntime run (default 256). */
  readonly batchSize?: number;
  /** onnxruntime threads (default 2). */
  readonly threads?: number;
}

export interface RecalibratedLayer {
  readonly name: string;
  /** Largest |new − old| running mean over the channels, and largest new/old variance ratio (or its inverse). */
  readonly maxMeanShift: number;
  readonly maxVarianceRatio: number;
}

export interface RecalibrateBatchNormResult {
  /** A new model (the input is not modified). */
  readonly model: Model;
  readonly layers: readonly RecalibratedLayer[];
  /** Forward passes over the images that were needed. */
  readonly passes: number;
}

/** The BatchNorm nodes upstream of `node` (through any path), excluding itself. */
function upstreamBatchNorms(node: Node): Set<Node> {
  const seen = new Set<Node>();
  const found = new Set<Node>();
  const stack = node.inputs.map((v) => v?.producer).filter((p): p is Node => p !== undefined);
  while (stack.length > 0) {
    const n = stack.pop() as Node;
    if (seen.has(n)) continue;
    seen.add(n);
    if (n.opType === 'BatchNormalization') found.add(n);
    for (const v of n.inputs) if (v?.producer !== undefined) stack.push(v.producer);
  }
  return found;
}

/** Per-channel mean and population variance of NC… activations, accumulated in float64. */
class ChannelMoments {
  private readonly sum: Float64Array;
  private readonly sq: Float64Array;
  private count = 0;
  constructor(readonly channels: number) {
    this.sum = new Float64Array(channels);
    this.sq = new Float64Array(channels);
  }
  add(t: Tensor): void {
    const d = t.data as Float32Array;
    const n = t.dims[0] as number;
    const inner = d.length / (n * this.channels);
    for (let b = 0; b < n; b++) {
      for (let c = 0; c < this.channels; c++) {
        let s = 0;
        let q = 0;
        const base = (b * this.channels + c) * inner;
        for (let i = 0; i < inner; i++) {
          const x = d[base + i] as number;
          s += x;
          q += x * x;
        }
        this.sum[c] = (this.sum[c] as number) + s;
        this.sq[c] = (this.sq[c] as number) + q;
      }
    }
    this.count += n * inner;
  }
  result(): { mean: Float32Array; variance: Float32Array } {
    const mean = new Float32Array(this.channels);
    const variance = new Float32Array(this.channels);
    for (let c = 0; c < this.channels; c++) {
      const m = (this.sum[c] as number) / this.count;
      mean[c] = m;
      variance[c] = Math.max(0, (this.sq[c] as number) / this.count - m * m);
    }
    return { mean, variance };
  }
}

function statTensor(bn: Node, slot: 3 | 4): Tensor {
  const t = bn.inputs[slot]?.initializer;
  if (t === undefined || t.dtype !== 'float32') {
    throw new SlimnetError('INVALID_ARGUMENT', `recalibrateBatchNorm: BatchNormalization '${bn.name}' needs float32 ${slot === 3 ? 'mean' : 'variance'} initializers`);
  }
  return t;
}

export async function recalibrateBatchNorm(model: Model, opts: RecalibrateBatchNormOptions): Promise<RecalibrateBatchNormResult> {
  const out = model.clone();
  const bns = out.graph.nodes.filter((n) => n.opType === 'BatchNormalization');
  const samples = Math.min(opts.samples ?? 2048, opts.data.count);
  if (samples < 1) throw new SlimnetError('INVALID_ARGUMENT', 'recalibrateBatchNorm: no images to estimate from');
  const input = out.graph.inputs.find((v) => v.initializer === undefined);
  if (input === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'recalibrateBatchNorm: the model has no input');
  const upstream = new Map(bns.map((bn) => [bn, upstreamBatchNorms(bn)]));
  const pending = new Set(bns);
  const layers: RecalibratedLayer[] = [];
  let passes = 0;
  while (pending.size > 0) {
    const ready = [...pending].filter((bn) => ![...(upstream.get(bn) ?? [])].some((u) => pending.has(u)));
    await estimate(out, ready, input.name, samples, opts, layers);
    for (const bn of ready) pending.delete(bn);
    passes++;
  }
  return { model: out, layers, passes };
}

/** One pass: population statistics of the `ready` BatchNorms' inputs, written into their initializers. */
async function estimate(model: Model, ready: readonly Node[], inputName: string, samples: number, opts: RecalibrateBatchNormOptions, layers: RecalibratedLayer[]): Promise<void> {
  const probe = model.clone();
  const names = ready.map((bn) => bn.input(0).name);
  const byName = probe.graph.valuesByName();
  for (const name of names) {
    const v = byName.get(name);
    if (v !== undefined && !probe.graph.outputs.includes(v)) probe.graph.addOutput(v);
  }
  const moments = ready.map((bn) => new ChannelMoments(statTensor(bn, 3).size));
  const per = opts.data.images.length / opts.data.count;
  const batch = opts.batchSize ?? 256;
  const session = await Session.create(probe, { threads: opts.threads ?? 2 });
  try {
    for (let start = 0; start < samples; start += batch) {
      const n = Math.min(batch, samples - start);
      const x = new Tensor('float32', [n, ...opts.data.sampleShape], opts.data.images.subarray(start * per, (start + n) * per));
      const got = await session.run({ [inputName]: x }, names);
      names.forEach((name, i) => moments[i]?.add(got[name] as Tensor));
    }
  } finally {
    await session.release();
  }
  ready.forEach((bn, i) => {
    const { mean, variance } = (moments[i] as ChannelMoments).result();
    const oldMean = statTensor(bn, 3).data as Float32Array;
    const oldVar = statTensor(bn, 4).data as Float32Array;
    let shift = 0;
    let ratio = 1;
    for (let c = 0; c < mean.length; c++) {
      shift = Math.max(shift, Math.abs((mean[c] as number) - (oldMean[c] as number)));
      const r = ((variance[c] as number) + 1e-12) / ((oldVar[c] as number) + 1e-12);
      ratio = Math.max(ratio, r, 1 / r);
    }
    bn.input(3).initializer = new Tensor('float32', [mean.length], mean);
    bn.input(4).initializer = new Tensor('float32', [variance.length], variance);
    layers.push({ name: bn.name, maxMeanShift: shift, maxVarianceRatio: ratio });
  });
}
