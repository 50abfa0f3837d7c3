/**
 * fixedPointQuantize: weights (and biases) rounded offline to b-bit fixed point, activations fake-
 * quantized in the graph after each layer. 'Fixed point' uses one fractional length for all weights and
 * one for all activations (from the global ranges); 'dynamic fixed point' one per tensor / layer.
 */
import type { Split } from '../../../data/types.js';
import { GraphBuilder } from '../../../ir/builder.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { prunableWeights } from '../../pruning/common/prunable.js';
import { activationPoints, activationRanges } from './calibrate.js';
import { addFakeQuant } from './fake-quant.js';
import { checkBits, fracLength, maxAbs, quantizeFixed, type FixedFormat, type FixedRounding } from './fixed-point.js';

/**
 * Options of `fixedPointQuantize`: weight and activation bit widths, dynamic (per-layer) formats, rounding and
 * calibration data.
 */
export interface FixedPointOptions {
  /** Weight (and bias) bit width, e.g. 16 / 8 / 6 / 4 / 2; undefined leaves weights in float. */
  readonly weightBits?: number;
  /** Activation bit width; undefined leaves activations in float. */
  readonly activationBits?: number;
  /** Dynamic fixed point: per-layer fractional lengths (default true). */
  readonly dynamic?: boolean;
  /** Weight rounding (default 'nearest'); activations always round to nearest in the graph. */
  readonly rounding?: FixedRounding;
  readonly seed?: number;
  /** Samples to measure activation ranges on (needed when activationBits is set). */
  readonly calibration?: Split;
  /** Calibration samples (default 256). */
  readonly calibrationSamples?: number;
  /** At 8 bits, activations as QuantizeLinear / DequantizeLinear (default false). */
  readonly qdq?: boolean;
}

/**
 * The result of `fixedPointQuantize`: the model and the fixed-point format (integer and fractional bits) of each weight
 * and activation.
 */
export interface FixedPointResult {
  readonly model: Model;
  /** Fixed-point format per quantized weight / bias initializer. */
  readonly weights: Readonly<Record<string, FixedFormat>>;
  /** Fixed-point format per fake-quantized activation (by the value's name in the source model). */
  readonly activations: Readonly<Record<string, FixedFormat>>;
}

/** Formats from ranges: one per name (dynamic) or one shared from the global maximum. */
export function formatsFor(ranges: ReadonlyMap<string, number>, bits: number, dynamic: boolean): Record<string, FixedFormat> {
  checkBits(bits);
  const global = Math.max(0, ...ranges.values());
  const out: Record<string, FixedFormat> = {};
  for (const [name, r] of ranges) out[name] = { bits, fl: fracLength(dynamic ? r : global, bits) };
  return out;
}

/** Weight formats of a model (weights and biases of Conv / Gemm / MatMul layers). */
export function weightFormats(model: Model, bits: number, dynamic: boolean): Record<string, FixedFormat> {
  const ranges = new Map(prunableWeights(model, { includeBiases: true }).map((w) => [w.name, maxAbs(w.tensor.data as Float32Array)]));
  return formatsFor(ranges, bits, dynamic);
}

/** Rounds the given weights of `model` in place. */
export function quantizeWeightsInPlace(model: Model, formats: Readonly<Record<string, FixedFormat>>, rounding: FixedRounding, seed: number): void {
  let k = 0;
  for (const [name, f] of Object.entries(formats)) {
    const v = model.graph.initializers.get(name);
    if (v?.initializer === undefined) throw new SlimnetError('INVALID_ARGUMENT', `'${name}' is not an initializer`);
    v.initializer = new Tensor('float32', v.initializer.dims, quantizeFixed(v.initializer.toFloat32(), f, rounding, seed + k++));
  }
}

/** Inserts activation fake-quant after each value in `formats` (in place). */
export function insertActivationQuant(model: Model, formats: Readonly<Record<string, FixedFormat>>, qdq = false): void {
  const b = new GraphBuilder(model.graph);
  for (const p of activationPoints(model)) {
    const f = formats[p.name];
    if (f === undefined) continue;
    const uses = [...p.uses];
    const isOutput = model.graph.outputs.indexOf(p);
    const q = addFakeQuant(b, p, f, `fxq/${p.name}`, { qdq });
    for (const u of uses) u.node.setInput(u.index, q);
    if (isOutput >= 0) {
      // Keep the output's name: the quantized value takes it over.
      const name = p.name;
      p.name = model.graph.uniqueName(`${name}__float`);
      q.name = name;
      model.graph.outputs[isOutput] = q;
    }
  }
  model.graph.sortTopologically();
}

/**
 * Post-training fixed-point quantization: rounds weights to `weightBits` fixed point and inserts activation fake
 * quantizers calibrated on data.
 */
export async function fixedPointQuantize(model: Model, opts: FixedPointOptions): Promise<FixedPointResult> {
  const m = model.clone();
  const dynamic = opts.dynamic ?? true;
  let weights: Record<string, FixedFormat> = {};
  let activations: Record<string, FixedFormat> = {};
  if (opts.activationBits !== undefined) {
    if (opts.calibration === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'fixedPointQuantize: activationBits needs a calibration split');
    activations = formatsFor(await activationRanges(m, opts.calibration, opts.calibrationSamples ?? 256), opts.activationBits, dynamic);
  }
  if (opts.weightBits !== undefined) {
    weights = weightFormats(m, opts.weightBits, dynamic);
    quantizeWeightsInPlace(m, weights, opts.rounding ?? 'nearest', opts.seed ?? 0);
  }
  if (opts.activationBits !== undefined) insertActivationQuant(m, activations, opts.qdq === true);
  return { model: m, weights, activations };
}
