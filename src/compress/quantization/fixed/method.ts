/**
 * `quantize --method fixed`: (dynamic) fixed point for weights and activations at chosen bit widths
 * (Gupta et al. 2015, Ristretto), optionally fine-tuned with the straight-through estimator. Weights are
 * stored on the grid (float32 values); activations are fake-quantized in the graph. Weights of at most
 * 8 bits also get the Deep Compression container as packed form (one codebook entry per grid value used).
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { foldBatchNorm } from '../../../passes/fold-batchnorm.js';
import { packWithReport } from '../../coding/container.js';
import { optionBoolean, optionInteger, optionalNumber, optionString, requireData, type PackedForm, type QuantizationMethod } from '../method.js';
import { finetuneFixedPoint } from './finetune.js';
import type { FixedFormat, FixedRounding } from './fixed-point.js';
import { fixedPointQuantize } from './quantize.js';

function formatRows(kind: string, formats: Readonly<Record<string, FixedFormat>>): string[][] {
  return Object.entries(formats).map(([name, f]) => [name, kind, String(f.bits), String(f.fl), String(f.bits - f.fl)]);
}

export const fixedMethod: QuantizationMethod = {
  name: 'fixed',
  summary: 'fixed point / dynamic fixed point weights and activations (16/8/6/4/2 bits), optional STE fine-tuning',
  reference: 'Gupta et al. 2015; Gysel et al. (Ristretto) 2016',
  options: {
    weightBits: { type: 'integer', placeholder: 'B', min: 0, max: 32, default: 8, description: 'weight and bias bits (0 = keep float)' },
    activationBits: { type: 'integer', placeholder: 'B', min: 0, max: 32, default: 8, description: 'activation bits (0 = keep float)' },
    scheme: { type: 'string', choices: ['dynamic', 'static'], default: 'dynamic', description: 'dynamic: fractional length per layer; static: one for all weights, one for all activations' },
    rounding: { type: 'string', choices: ['nearest', 'stochastic'], default: 'nearest', description: 'weight rounding' },
    calibrationSamples: { type: 'integer', placeholder: 'N', min: 1, default: 256, description: 'samples to measure activation ranges on' },
    finetuneEpochs: { type: 'integer', placeholder: 'N', min: 0, default: 0, description: 'fine-tuning epochs (0 = none)' },
    keepBatchNorm: { type: 'boolean', description: 'do not fold BatchNorm into the preceding Conv first (folded layers fine-tune without batch statistics)' },
    lr: { type: 'number', placeholder: 'RATE', min: 0, default: 0.001, description: 'fine-tuning learning rate' },
    batchSize: { type: 'integer', placeholder: 'N', min: 1, default: 64, description: 'fine-tuning mini-batch size' },
  },
  async run(input, o, ctx) {
    const { model, folded } = optionBoolean(o, 'keepBatchNorm') ? { model: input, folded: 0 } : foldBatchNorm(input.clone());
    const wb = optionInteger(o, 'weightBits');
    const ab = optionInteger(o, 'activationBits');
    for (const [k, v] of [['weightBits', wb], ['activationBits', ab]] as const) {
      if (v === 1) throw new SlimnetError('INVALID_ARGUMENT', `quantize --method fixed: ${k} must be 0 (float) or in [2, 32], got 1`);
    }
    const weightBits = wb === 0 ? undefined : wb;
    const activationBits = ab === 0 ? undefined : ab;
    const dynamic = optionString(o, 'scheme') === 'dynamic';
    const rounding = optionString(o, 'rounding') as FixedRounding;
    const epochs = optionInteger(o, 'finetuneEpochs');
    const needsData = activationBits !== undefined || epochs > 0;
    const data = needsData ? requireData(ctx, 'fixed', 'activation ranges and fine-tuning (or --activation-bits 0)') : undefined;
    const bits = { ...(weightBits === undefined ? {} : { weightBits }), ...(activationBits === undefined ? {} : { activationBits }) };
    let out: Model;
    let weights: Readonly<Record<string, FixedFormat>>;
    let activations: Readonly<Record<string, FixedFormat>> = {};
    if (epochs > 0 && data !== undefined) {
      ctx.log?.(`fixed: STE fine-tuning for ${epochs} epoch(s)`);
      const r = await finetuneFixedPoint(model, {
        ...bits, dynamic, rounding, dataset: data, epochs, lr: optionalNumber(o, 'lr') ?? 0.001, batchSize: optionInteger(o, 'batchSize'),
        seed: ctx.seed ?? 0, threads: ctx.threads ?? 2, calibrationSamples: optionInteger(o, 'calibrationSamples'), validate: false,
        ...(ctx.inProcess === undefined ? {} : { inProcess: ctx.inProcess }),
        ...(ctx.onProgress === undefined ? {} : { onProgress: ctx.onProgress }),
      });
      out = r.model;
      weights = r.weights;
      activations = r.activations;
    } else {
      const r = await fixedPointQuantize(model, {
        ...bits, dynamic, rounding, seed: ctx.seed ?? 0, calibrationSamples: optionInteger(o, 'calibrationSamples'),
        ...(data === undefined ? {} : { calibration: data.train }),
      });
      out = r.model;
      weights = r.weights;
      activations = r.activations;
    }
    let packed: PackedForm | undefined;
    let pack;
    if (weightBits !== undefined && weightBits <= 8) {
      pack = packWithReport(out, { maxBits: weightBits });
      packed = { bytes: pack.bytes, extension: 'sldc', description: `Deep Compression container (${weightBits}-bit weight codebooks, Huffman; see FORMAT.md)` };
    }
    const rows = [...formatRows('parameter', weights), ...formatRows('activation', activations)];
    return {
      model: out,
      report: { foldedBatchNorms: folded, weightBits: weightBits ?? 32, activationBits: activationBits ?? 32, scheme: dynamic ? 'dynamic' : 'static', rounding, finetuneEpochs: epochs, weights, activations, ...(pack === undefined ? {} : { pack: pack.report }) },
      summary: [{ columns: ['tensor', 'kind', 'bits', 'frac bits', 'int bits'], rows }],
      ...(packed === undefined ? {} : { packed }),
    };
  },
};
