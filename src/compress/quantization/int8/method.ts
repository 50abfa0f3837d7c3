/**
 * `quantize --method int8`: post-training int8 (calibration, BatchNorm folding, per-channel weights, uint8
 * activations) exported as QOperator or QDQ, with a per-layer SQNR report and an onnxruntime fusion check;
 * optionally quantization-aware training first (`qatEpochs`, `learnScales`).
 */
import {
  optionalNumber, optionBoolean, optionInteger, optionList, optionNumber, optionString, requireData, type QuantizationMethod, type SummaryBlock,
} from '../method.js';
import type { FeedSet } from '../../../data/feeds.js';
import type { Dataset } from '../../../data/types.js';
import { quantizeInt8, type QuantizeInt8Report } from './pipeline.js';
import type { CalibrationMethod } from './ranges.js';
import { REDUCE_RANGE_CHOICES, REDUCE_RANGE_DEFAULT, type ReduceRange } from './reduce-range.js';

function summary(r: QuantizeInt8Report): SummaryBlock[] {
  const lines: SummaryBlock[] = [
    `${r.format}, ${r.method} calibration, ${r.perChannel ? 'per-channel' : 'per-tensor'} ` +
      `${r.weights.bits}-bit weights, uint8 activations; ` +
      `folded ${r.foldedBatchNorms} BatchNorm and ${r.foldedRelus.length} Relu; ${r.quantizedNodes} quantized nodes`,
    `weights: ${r.weights.reason}`,
  ];
  if (r.weights.warning !== undefined) lines.push(`WARNING: ${r.weights.warning}`);
  const kept = [...r.keptFloat, ...r.autoKeptFloat];
  if (kept.length > 0) lines.push(`kept float: ${kept.join(', ')}${r.autoKeptFloat.length > 0 ? ` (automatically: ${r.autoKeptFloat.join(', ')})` : ''}`);
  if (r.qat !== undefined) {
    const last = r.qat.history[r.qat.history.length - 1];
    lines.push(`quantization-aware training: ${r.qat.epochs} epoch(s)${r.qat.learnScales ? ', learned activation scales' : ''}${last === undefined ? '' : `, final train loss ${last.trainLoss.toFixed(4)}`}`);
  }
  lines.push('', {
    columns: ['layer', 'op', 'SQNR dB (cumulative)'],
    rows: r.layers.map((l) => [l.node, l.opType, Number.isFinite(l.sqnrDb) ? l.sqnrDb.toFixed(1) : 'exact']),
  });
  const f = r.fusion;
  if (f !== undefined) {
    lines.push(`onnxruntime: ${f.integerNodes} integer kernels; ${f.fused ? 'no unfused QDQ' : `UNFUSED: ${f.unfused.join(', ')}`}; float compute left: ${f.floatNodes.join(', ') || 'none'}`);
  }
  return lines;
}

export const int8Method: QuantizationMethod = {
  name: 'int8',
  summary: 'int8 that runs int8: calibrated uint8 activations, per-channel int8 weights, QOperator/QDQ, optional QAT',
  reference: 'Jacob et al. 2018; Krishnamoorthi 2018; Esser et al. 2020 (LSQ)',
  options: {
    calibration: { type: 'string', choices: ['minmax', 'percentile', 'entropy'], default: 'percentile', description: 'activation range selection' },
    percentile: { type: 'number', placeholder: 'P', min: 50, max: 100, default: 99.99, description: 'percentile of |x| kept by --calibration percentile' },
    calibrationBatches: { type: 'integer', placeholder: 'N', min: 1, default: 8, description: 'calibration batches of 64 training samples' },
    perTensor: { type: 'boolean', description: 'one weight scale per tensor instead of per output channel' },
    reduceRange: {
      type: 'string', choices: REDUCE_RANGE_CHOICES, default: REDUCE_RANGE_DEFAULT,
      description: 'weights: on = 7-bit, exact on every CPU; off = 8-bit, loses accuracy on x86 without VNNI; '
        + 'auto = 7-bit where this CPU lacks VNNI (probed; SLIMNET_CPU_VNNI=1|0 overrides)',
    },
    format: { type: 'string', choices: ['qoperator', 'qdq'], default: 'qoperator', description: 'QOperator (QLinearConv...) or QDQ (Quantize/DequantizeLinear pairs)' },
    keepFloat: { type: 'string', placeholder: 'NODES', description: 'comma-separated node names to keep in float' },
    autoKeepDb: { type: 'number', placeholder: 'DB', description: 'also keep float every layer whose SQNR is below DB' },
    qatEpochs: { type: 'integer', placeholder: 'N', min: 0, default: 0, description: 'quantization-aware training epochs before export (0 = post-training only)' },
    learnScales: { type: 'boolean', description: 'QAT: learn the activation scales (LSQ)' },
    lr: { type: 'number', placeholder: 'RATE', min: 0, default: 0.001, description: 'fine-tuning learning rate' },
    batchSize: { type: 'integer', placeholder: 'N', min: 1, default: 64, description: 'fine-tuning mini-batch size' },
  },
  async run(model, o, ctx) {
    const qatEpochs = optionInteger(o, 'qatEpochs');
    const data = ctx.feeds !== undefined && qatEpochs === 0 ? undefined : requireData(ctx, 'int8', 'calibration');
    const autoKeep = optionalNumber(o, 'autoKeepDb');
    if (qatEpochs > 0) ctx.log?.(`int8: quantization-aware training for ${qatEpochs} epoch(s)`);
    const { model: out, report } = await quantizeInt8(model, {
      dataset: data?.train ?? (ctx.feeds as FeedSet),
      calibrationBatches: optionInteger(o, 'calibrationBatches'),
      method: optionString(o, 'calibration') as CalibrationMethod,
      percentile: optionNumber(o, 'percentile'),
      perChannel: !optionBoolean(o, 'perTensor'),
      reduceRange: optionString(o, 'reduceRange') as ReduceRange,
      format: optionString(o, 'format') as 'qdq' | 'qoperator',
      keepFloat: optionList(o, 'keepFloat'),
      ...(autoKeep === undefined ? {} : { autoKeepFloatBelowDb: autoKeep }),
      ...(qatEpochs === 0 ? {} : {
        qat: {
          dataset: data as Dataset, epochs: qatEpochs, lr: optionalNumber(o, 'lr') ?? 0.001, batchSize: optionInteger(o, 'batchSize'),
          learnScales: optionBoolean(o, 'learnScales'), seed: ctx.seed ?? 0, threads: ctx.threads ?? 2,
          ...(ctx.inProcess === undefined ? {} : { inProcess: ctx.inProcess }),
          ...(ctx.onProgress === undefined ? {} : { onProgress: ctx.onProgress }),
          ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
        },
      }),
    });
    if (report.weights.warning !== undefined) ctx.log?.(`int8: ${report.weights.warning}`);
    return { model: out, report: { ...report }, summary: summary(report) };
  },
};
