/**
 * Post-training int8 quantization: fold BatchNorm, calibrate activations, plan (uint8 asymmetric activations,
 * int8 symmetric weights), measure per-layer SQNR on the fake-quantized model, optionally keep weak layers
 * float, export QDQ or QOperator and check that onnxruntime fuses it into integer kernels.
 */
import type { FeedSet } from '../../../data/feeds.js';
import type { Split } from '../../../data/types.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { foldBatchNorm } from '../../../passes/fold-batchnorm.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import { calibrate, type CalibrationOptions } from './calibrate.js';
import { checkFusion, type FusionReport } from './fusion.js';
import { layerErrors, type LayerError } from './layer-error.js';
import { calibrationTargets, planQuantization, type PlanOptions, type QuantPlan } from './plan.js';
import { exportQdq } from './qdq.js';
import { exportQOperator } from './qoperator.js';
import type { EpochStats } from '../../../train/types.js';
import { quantizationAwareTraining, type QatOptions, type QatScale } from './qat.js';
import type { CalibrationMethod, RangeOptions, TensorStats } from './ranges.js';
import { chooseWeightRange, REDUCE_RANGE_DEFAULT, type ReduceRange, type WeightRangeChoice } from './reduce-range.js';

/**
 * Options of `quantizeInt8`: calibration data and batches, range method, per-channel scales, format (QDQ or QOperator),
 * reduce-range mode and layers kept float.
 */
export interface QuantizeInt8Options {
  /** Calibration data: usually the training split (fed to the first input), or feeds for every model input. */
  readonly dataset: Split | FeedSet;
  /** Calibration batches (default 4) of `batchSize` samples (default 64). */
  readonly calibrationBatches?: number;
  readonly batchSize?: number;
  /** Range selection (default 'minmax'). */
  readonly method?: CalibrationMethod;
  /** Percentile for method 'percentile' (default 99.99). */
  readonly percentile?: number;
  /** Per-output-channel weight scales (default true). */
  readonly perChannel?: boolean;
  /**
   * Weight range (default 'on', see REDUCE_RANGE_DEFAULT): 'on' = 7-bit weights (|q| <= 63), computed exactly by
   * every CPU's u8×s8 kernels; 'off' = full 8-bit range; 'auto' = 7-bit where this machine's kernels saturate
   * (x86 without VNNI, see runtime/int8-kernels.ts), else 8-bit.
   */
  readonly reduceRange?: ReduceRange;
  /** Output form (default 'qoperator'). */
  readonly format?: 'qdq' | 'qoperator';
  /** Activation type (default 'uint8'; 'int8' runs slower than float on x86 onnxruntime). */
  readonly activationType?: 'uint8' | 'int8';
  readonly symmetricActivations?: boolean;
  /** Node names (after BatchNorm folding: Conv names stay) to keep in float. */
  readonly keepFloat?: readonly string[];
  /** Also keep float every layer whose SQNR is below this many dB (one re-plan). */
  readonly autoKeepFloatBelowDb?: number;
  /** Ops without a rule throw instead of staying float. */
  readonly strict?: boolean;
  /** The final Gemm returns float logits from its integer kernel instead of uint8 (default true). */
  readonly floatOutput?: boolean;
  /** Check onnxruntime fusion of the result (default true). */
  readonly checkFusion?: boolean;
  /** Quantization-aware training before export (see qat.ts); its perChannel and weight bits follow the export's. */
  readonly qat?: Omit<QatOptions, 'perChannel' | 'weightBits'>;
}

/**
 * What `quantizeInt8` did: format, calibration method, weight bits, folded BatchNorms and ReLUs, per-layer SQNR, layers
 * kept float.
 */
export interface QuantizeInt8Report {
  readonly format: 'qdq' | 'qoperator';
  readonly method: CalibrationMethod;
  readonly perChannel: boolean;
  /** Weight bits and why (reduce-range mode, this machine's kernels). */
  readonly weights: WeightRangeChoice;
  readonly foldedBatchNorms: number;
  readonly foldedRelus: readonly string[];
  /** Per quantized layer SQNR (after keep-float decisions). */
  readonly layers: readonly LayerError[];
  /** Layers kept float: by name and automatically. */
  readonly keptFloat: readonly string[];
  readonly autoKeptFloat: readonly string[];
  readonly quantizedNodes: number;
  readonly fusion?: FusionReport;
  /** Quantization-aware training, when it ran: epochs, activation scales before / after, training history. */
  readonly qat?: { readonly epochs: number; readonly learnScales: boolean; readonly scales: readonly QatScale[]; readonly history: readonly EpochStats[] };
}

function clone(model: Model): Model {
  const m = model.clone();
  inferShapes(m);
  return m;
}

function layersOf(plan: QuantPlan): Array<{ node: string; opType: string; output: string }> {
  return [...plan.nodes].filter(([, r]) => r.kind !== 'passthrough').map(([n]) => ({ node: n.name, opType: n.opType, output: n.output().name }));
}

/**
 * Post-training int8 quantization: folds BatchNorm, calibrates activation ranges on data, quantizes weights (per
 * channel) and exports QOperator or QDQ ONNX for onnxruntime.
 */
export async function quantizeInt8(model: Model, opts: QuantizeInt8Options): Promise<{ model: Model; report: QuantizeInt8Report }> {
  const method = opts.method ?? 'minmax';
  const perChannel = opts.perChannel ?? true;
  const format = opts.format ?? 'qoperator';
  if (format !== 'qdq' && format !== 'qoperator') throw new SlimnetError('INVALID_ARGUMENT', `format must be 'qdq' or 'qoperator', got '${String(format)}'`);
  const weights = await chooseWeightRange(opts.reduceRange ?? REDUCE_RANGE_DEFAULT);
  const exportOpts = { perChannel, weightBits: weights.bits };
  let base = clone(model);
  const foldedBatchNorms = foldBatchNorm(base).folded;
  inferShapes(base);
  const cal: CalibrationOptions = {
    split: opts.dataset, method, batches: opts.calibrationBatches ?? 4, batchSize: opts.batchSize ?? 64,
  };
  let stats: Map<string, TensorStats> = await calibrate(base, calibrationTargets(base), cal);
  const evalOpts: CalibrationOptions = { ...cal, method: 'minmax' };
  const byName = new Set(opts.keepFloat ?? []);
  const missing = [...byName].filter((n) => !base.graph.nodes.some((x) => x.name === n));
  if (missing.length > 0) throw new SlimnetError('INVALID_ARGUMENT', `keepFloat names unknown node(s): ${missing.join(', ')}`);
  let range: RangeOptions = { method, ...(opts.percentile === undefined ? {} : { percentile: opts.percentile }) };
  const planOpts = (keep: ReadonlySet<string>): PlanOptions => ({
    range, keepFloat: keep, ...(opts.activationType === undefined ? {} : { activationType: opts.activationType }),
    symmetricActivations: opts.symmetricActivations === true, strict: opts.strict === true, floatOutput: opts.floatOutput ?? true,
  });
  let qat: QuantizeInt8Report['qat'];
  if (opts.qat !== undefined) {
    const r = await quantizationAwareTraining(base, stats, planOpts(byName), { ...opts.qat, ...exportOpts });
    base = r.model;
    inferShapes(base);
    stats = r.stats;
    range = { method: 'minmax' }; // the trained ranges are exact
    qat = { epochs: opts.qat.epochs, learnScales: opts.qat.learnScales === true, scales: r.scales, history: r.history };
  }
  const plan = (keep: ReadonlySet<string>): { m: Model; p: QuantPlan } => {
    const m = clone(base);
    const p = planQuantization(m, stats, planOpts(keep));
    return { m, p };
  };
  let keep = new Set(byName);
  let { m, p } = plan(keep);
  let named = layersOf(p);
  exportQdq(m, p, exportOpts);
  let layers = await layerErrors(base, m, named, evalOpts);
  const auto: string[] = [];
  if (opts.autoKeepFloatBelowDb !== undefined) {
    for (const l of layers) if (l.sqnrDb < opts.autoKeepFloatBelowDb && !keep.has(l.node)) auto.push(l.node);
    if (auto.length > 0) {
      keep = new Set([...keep, ...auto]);
      ({ m, p } = plan(keep));
      named = layersOf(p);
      exportQdq(m, p, exportOpts);
      layers = await layerErrors(base, m, named, evalOpts);
    }
  }
  if (format === 'qoperator') {
    ({ m, p } = plan(keep));
    exportQOperator(m, p, exportOpts);
  }
  const report: QuantizeInt8Report = {
    format, method, perChannel, weights, foldedBatchNorms, foldedRelus: p.foldedRelus, layers, keptFloat: [...byName],
    autoKeptFloat: auto,
    quantizedNodes: p.nodes.size, ...(opts.checkFusion === false ? {} : { fusion: await checkFusion(m) }),
    ...(qat === undefined ? {} : { qat }),
  };
  return { model: m, report };
}
