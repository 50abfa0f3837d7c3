/**
 * Quantization-aware training for int8: the planned model (BatchNorm folded, Relus folded) is trained with
 * fake quantization exactly where the exported integer graph quantizes —
 *   activations:  y = (Clip(Round(x / s) + z, qmin, qmax) − z) · s        (uint8, the plan's s and z)
 *   weights:      w_q = Round(w / s_c) · s_c,  s_c = max|w[c]| / qmax      (int8 symmetric, per channel;
 *                 qmax = 127, or 63 for 7-bit reduced-range weights)
 * Round is differentiated as the identity (straight-through estimator); Clip's own rule makes the gradient
 * zero outside the clip range. With `learnScales`, every activation scale is a trained parameter (LSQ,
 * Esser et al. 2020): autodiff through Div / Round(STE) / Clip / Mul gives LSQ's scale gradient, and the
 * scale is stored as s = p · √g with g = 1 / √(features · qmax) so that plain SGD on p applies LSQ's
 * gradient scaling g. Weight scales follow the weights (recomputed every step), as the exporter does.
 * The result is the float model with trained weights and the activation ranges the training ended with.
 */
import type { Dataset } from '../../../data/types.js';
import { GraphBuilder } from '../../../ir/builder.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import { type WeightTransform } from '../../../train/graph-edit.js';
import { defaultTrainableParams } from '../../../train/params.js';
import { train } from '../../../train/trainer.js';
import type { EpochStats, TrainProgress } from '../../../train/types.js';
import { qRange, type QParams } from '../common/qparams.js';
import { ROUND_STE } from '../fixed/fake-quant.js';
import { planQuantization, type PlanOptions } from './plan.js';
import type { TensorStats } from './ranges.js';
import { weightQmax, type WeightBits } from './weights.js';

/**
 * Options of `quantizationAwareTraining`: data, epochs, learning rate, batch size, learned or fixed activation scales,
 * per-channel weights.
 */
export interface QatOptions {
  /** Training data (train split; the test split is not used). */
  readonly dataset: Dataset;
  /** Training epochs (>= 1). */
  readonly epochs: number;
  /** Learning rate (default 0.001, SGD momentum 0.9, cosine schedule to 0). */
  readonly lr?: number;
  readonly batchSize?: number;
  /** Train the activation scales too (LSQ; default false: scales fixed at their calibrated values). */
  readonly learnScales?: boolean;
  /** Per-channel weight scales, as the export will use (default true). */
  readonly perChannel?: boolean;
  /** Weight bits, as the export will use: 8 (default) or 7 (reduced range). */
  readonly weightBits?: WeightBits;
  readonly seed?: number;
  readonly threads?: number;
  readonly inProcess?: boolean;
  readonly onProgress?: (p: TrainProgress) => void;
  readonly signal?: AbortSignal;
}

/** One activation's quantization scale before and after training, with its zero point. */
export interface QatScale {
  /** Activation (value name in the BatchNorm-folded model). */
  readonly name: string;
  readonly before: number;
  readonly after: number;
  readonly zeroPoint: number;
}

/**
 * The result of `quantizationAwareTraining`: the trained float model, calibration statistics with the trained ranges,
 * scales and history.
 */
export interface QatResult {
  /** The BatchNorm-folded float model with the trained weights (same names as the input). */
  readonly model: Model;
  /**
   * Calibration statistics to plan the export with (method 'minmax'): the input statistics, with every
   * fake-quantized activation's range replaced by the trained one.
   */
  readonly stats: Map<string, TensorStats>;
  readonly scales: readonly QatScale[];
  readonly history: readonly EpochStats[];
}

/**
 * Per-channel (or per-tensor) symmetric int8 fake quantization of a weight (`bits` 8: |q| ≤ 127, 7: |q| ≤ 63),
 * straight-through backward.
 */
export function int8WeightTransform(
  rank: number, axis: number | undefined, opset: number, name: string, bits: WeightBits = 8,
): WeightTransform {
  const qmax = weightQmax(bits);
  const axes = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis);
  return {
    forward: (b, w) => {
      const abs = b.op('Abs', [w], {}, { name: `${name}/wq/abs` });
      const max = opset >= 18
        ? b.op('ReduceMax', [abs, b.constInt64(axes)], { keepdims: 1 }, { name: `${name}/wq/max` })
        : b.op('ReduceMax', [abs], { axes, keepdims: 1 }, { name: `${name}/wq/max` });
      const tiny = b.constant(1e-30, [], `${name}/wq/tiny`);
      const top = b.constant(qmax, [], `${name}/wq/qmax`);
      const scale = b.op('Div', [b.op('Max', [max, tiny]), top], {}, { name: `${name}/wq/scale` });
      const q = b.op('Round', [b.op('Div', [w, scale], {}, { name: `${name}/wq/div` })], {}, { name: `${name}/wq/round` });
      return b.op('Mul', [q, scale], {}, { name: `${name}/wq/dequantize` });
    },
    backward: 'identity',
  };
}

interface ActQuant {
  readonly value: Value;
  /** The value's name before insertion (a graph output's float value is renamed). */
  readonly name: string;
  readonly qp: QParams;
  /** Learned parameter name (s = p · c), or undefined when the scale is a constant. */
  readonly param?: string;
  readonly c: number;
}

function elementsPerSample(v: Value): number {
  const dims = (v.shape ?? []).slice(1);
  return dims.every((d) => typeof d === 'number') ? Math.max(1, dims.reduce((a: number, d) => a * (d as number), 1)) : 1;
}

/**
 * y = (Clip(Round(x / scale) + z, qmin, qmax) − z) · scale with the type range of `qp` and its zero point z;
 * `scale` may be a constant or computed from a trained parameter.
 */
export function addActivationFakeQuant(b: GraphBuilder, x: Value, scale: Value, qp: QParams, name: string): Value {
  const { qmin, qmax } = qRange(qp.type);
  const z = b.constant(qp.zeroPoint, [], `${name}/zero_point`);
  const r = b.op('Round', [b.op('Div', [x, scale], {}, { name: `${name}/div` })], {}, { name: `${name}/round` });
  const q = b.op('Clip', [b.op('Add', [r, z], {}, { name: `${name}/shift` }), b.constant(qmin, [], `${name}/qmin`), b.constant(qmax, [], `${name}/qmax`)], {}, { name: `${name}/clip` });
  const y = b.op('Mul', [b.op('Sub', [q, z], {}, { name: `${name}/unshift` }), scale], {}, { name: `${name}/dequantize` });
  y.dtype = 'float32';
  y.shape = x.shape;
  return y;
}

/** Inserts fake quantization after `a.value` (rewiring its uses; a graph output keeps its name). */
function insertActivation(model: Model, b: GraphBuilder, a: ActQuant): void {
  const g = model.graph;
  const v = a.value;
  const n = `qat/${v.name}`;
  const uses = [...v.uses];
  const scale = a.param === undefined
    ? b.constant(a.qp.scale, [], `${n}/scale`)
    : b.op('Mul', [g.initializers.get(a.param) as Value, b.constant(a.c, [], `${n}/grad_scale`)], {}, { name: `${n}/scale` });
  const y = addActivationFakeQuant(b, v, scale, a.qp, n);
  for (const u of uses) u.node.setInput(u.index, y);
  const out = g.outputs.indexOf(v);
  if (out >= 0) {
    const name = v.name;
    v.name = g.uniqueName(`${name}__float`);
    y.name = name;
    g.outputs[out] = y;
  }
}

/** Quantization-aware training of a BatchNorm-folded model under the plan `planOpts` gives with `stats`. */
export async function quantizationAwareTraining(base: Model, stats: ReadonlyMap<string, TensorStats>, planOpts: PlanOptions, opts: QatOptions): Promise<QatResult> {
  const m = base.clone();
  inferShapes(m);
  const plan = planQuantization(m, stats, planOpts);
  const g = m.graph;
  const b = new GraphBuilder(g);
  const defaults = new Set(defaultTrainableParams(g).map((v) => v.name));
  const passthroughOut = new Set([...plan.nodes].filter(([, r]) => r.kind === 'passthrough').map(([n]) => n.output()));
  const acts: ActQuant[] = [];
  for (const [v, qp] of plan.act) {
    if (passthroughOut.has(v)) continue; // max-pool / reshape of quantized values are already on the grid
    const learn = opts.learnScales === true && !g.inputs.includes(v);
    if (!learn) {
      acts.push({ value: v, name: v.name, qp, c: 1 });
      continue;
    }
    const c = Math.sqrt(1 / Math.sqrt(elementsPerSample(v) * qRange(qp.type).qmax));
    const param = g.uniqueName(`${v.name}__qat_scale`);
    g.addInitializer(param, new Tensor('float32', [], Float32Array.of(qp.scale / c)));
    acts.push({ value: v, name: v.name, qp, param, c });
  }
  for (const a of acts) insertActivation(m, b, a);
  g.sortTopologically();
  const axes = new Map<string, number | undefined>();
  for (const [n, rule] of plan.nodes) {
    if (rule.weightAxis !== undefined) axes.set(n.input(1).name, opts.perChannel === false ? undefined : rule.weightAxis(n));
  }
  const learned = new Set(acts.flatMap((a) => (a.param === undefined ? [] : [a.param])));
  const opset = m.opset();
  const r = await train({
    model: m, dataset: opts.dataset, epochs: opts.epochs, lr: opts.lr ?? 0.001, schedule: { kind: 'cosine' }, validate: false,
    ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
    ...(opts.threads === undefined ? {} : { threads: opts.threads }),
    ...(opts.inProcess === undefined ? {} : { inProcess: opts.inProcess }),
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    hooks: {
      rules: new Map([['Round', ROUND_STE]]),
      trainable: (p) => defaults.has(p.name) || learned.has(p.name),
      transforms: (p) => (axes.has(p.name)
        ? int8WeightTransform(p.dims.length, axes.get(p.name), opset, p.name, opts.weightBits ?? 8)
        : undefined),
    },
  });
  const out = base.clone();
  for (const [name, v] of out.graph.initializers) {
    const t = r.model.graph.initializers.get(name)?.initializer;
    if (t !== undefined && defaults.has(name)) v.initializer = t;
  }
  const newStats = new Map(stats);
  const scales: QatScale[] = [];
  for (const a of acts) {
    const p = a.param === undefined ? undefined : r.model.graph.initializers.get(a.param)?.initializer?.toNumbers()[0];
    const s = p === undefined ? a.qp.scale : Math.abs(p) * a.c;
    const { qmin, qmax } = qRange(a.qp.type);
    newStats.set(a.name, { min: (qmin - a.qp.zeroPoint) * s, max: (qmax - a.qp.zeroPoint) * s });
    scales.push({ name: a.name, before: a.qp.scale, after: s, zeroPoint: a.qp.zeroPoint });
  }
  return { model: out, stats: newStats, scales, history: r.history };
}
