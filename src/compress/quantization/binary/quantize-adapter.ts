/**
 * `slimnet quantize --method bc|bwn|xnor|bnn|twn|ttq|dorefa|hwgq` and `quantize(model, { method: 'bwn' })`:
 * the binary / ternary family as registry entries (spread into the list in ../methods.ts). Each method
 * declares the fine-tuning options shared by the family plus its own knobs; `run` turns the checked values
 * into TrainBinaryOptions and makes one trainBinary call. Data, threads, seed, progress and interruption
 * come from the quantize context; the test error, file size and latency are measured by quantize() itself.
 */
import { parseSchedule } from '../../../train/schedule.js';
import {
  optionalNumber, optionBoolean, optionInteger, optionString, requireData,
  type QuantizationMethod, type QuantizeContext,
} from '../method.js';
import type { AnyOptionValues, OptionSpecs } from '../../options.js';
import { BINARY_METHODS, binaryMethod, type BinaryMethodName } from './methods.js';
import { trainBinary, type BinaryReport, type TrainBinaryOptions } from './train-binary.js';

/** Options every binary / ternary method takes (fine-tuning with straight-through estimators). */
export const BINARY_OPTIONS: OptionSpecs = {
  epochs: { type: 'integer', placeholder: 'N', min: 1, default: 1, description: 'training epochs (fine-tuning from the input model; binary / ternary: with straight-through estimators)' },
  lr: { type: 'number', placeholder: 'RATE', min: 0, description: 'fine-tuning learning rate (default 0.001 with adam / adamw, 0.01 with sgd)' },
  optimizer: { type: 'string', choices: ['adam', 'sgd', 'adamw'], default: 'adam', description: 'update rule' },
  schedule: { type: 'string', placeholder: 'SPEC', default: 'constant', description: 'learning-rate schedule: constant | cosine[:min] | step:E[:g] | multistep:E1,E2[:g]' },
  batchSize: { type: 'integer', placeholder: 'N', min: 1, default: 64, description: 'fine-tuning mini-batch size' },
  quantizeFirstLast: { type: 'boolean', description: 'also quantize the first and last Conv / Gemm (BC and BNN always do, as their papers)' },
  recalibrateBn: { type: 'integer', placeholder: 'N', min: 0, description: 're-estimate the deployed BatchNorm statistics on N training images (default 2048 for stochastic bc, else 0)' },
};

const BITS = { type: 'integer', placeholder: 'K', min: 1 } as const;

/** Each method's own options. */
const EXTRA: Readonly<Partial<Record<BinaryMethodName, OptionSpecs>>> = {
  bc: { stochastic: { type: 'boolean', description: 'stochastic binarization during training (BinaryConnect)' } },
  xnor: { noActivationScale: { type: 'boolean', description: 'drop the activation scaling factor K (XNOR-Net)' } },
  dorefa: {
    weightBits: { ...BITS, max: 16, default: 1, description: 'weight bits' },
    activationBits: { ...BITS, max: 16, default: 2, description: 'activation bits' },
    gradientBits: { ...BITS, max: 16, description: 'also quantize the gradients reaching quantized layers to K bits (DoReFa)' },
  },
  hwgq: { activationBits: { ...BITS, max: 8, default: 2, description: 'activation bits' } },
};

/** Drops undefined entries (exactOptionalPropertyTypes). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The trainBinary options the checked method options and the quantize context describe. */
export function binaryTrainOptions(method: BinaryMethodName, o: AnyOptionValues, ctx: QuantizeContext): TrainBinaryOptions {
  const has = (name: string): boolean => Object.hasOwn(EXTRA[method] ?? {}, name);
  return defined({
    method,
    dataset: requireData(ctx, method, 'fine-tuning with straight-through estimators'),
    epochs: optionInteger(o, 'epochs'),
    lr: optionalNumber(o, 'lr'),
    optimizer: optionString(o, 'optimizer') as 'adam' | 'sgd' | 'adamw',
    schedule: parseSchedule(optionString(o, 'schedule')),
    batchSize: optionInteger(o, 'batchSize'),
    quantizeFirstLast: optionBoolean(o, 'quantizeFirstLast') ? true : undefined,
    recalibrateBatchNorm: optionalNumber(o, 'recalibrateBn'),
    stochastic: has('stochastic') && optionBoolean(o, 'stochastic') ? true : undefined,
    activationScale: has('noActivationScale') && optionBoolean(o, 'noActivationScale') ? false : undefined,
    weightBits: has('weightBits') ? optionInteger(o, 'weightBits') : undefined,
    activationBits: has('activationBits') ? optionInteger(o, 'activationBits') : undefined,
    gradientBits: has('gradientBits') ? optionalNumber(o, 'gradientBits') : undefined,
    // quantize() evaluates the deployed model on the test split; no per-epoch validation
    validate: false,
    threads: ctx.threads ?? 2, seed: ctx.seed ?? 0,
    inProcess: ctx.inProcess, onProgress: ctx.onProgress, signal: ctx.signal,
  }) as TrainBinaryOptions;
}

/** Per-layer rows of the summary table: layer, op, bits, params, distinct values, scale, input. */
export function binaryLayerRows(r: BinaryReport): string[][] {
  const rows = r.layers.map((l) => [l.node, l.opType, String(l.bits), String(l.params), String(l.levels), l.scale === undefined ? '—' : 'per-channel Mul', l.quantizedInput ? `${r.activationBits}-bit` : 'float']);
  for (const n of r.fullPrecision) rows.push([n, '', '32', '', '', '', 'float']);
  return rows;
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

function binaryQuantizationMethod(name: BinaryMethodName): QuantizationMethod {
  const title = binaryMethod(name).title;
  const colon = title.indexOf(': ');
  return {
    name,
    summary: colon < 0 ? title : title.slice(colon + 2),
    reference: colon < 0 ? title : title.slice(0, colon),
    options: { ...BINARY_OPTIONS, ...(EXTRA[name] ?? {}) },
    async run(model, o, ctx) {
      const r = await trainBinary(model, binaryTrainOptions(name, o, ctx));
      const { testError: _unvalidated, ...report } = r.report;
      const s = r.report.size;
      return {
        model: r.model,
        report,
        summary: [
          `${r.report.title}: weights ${r.report.weightBits} bit, activations ${r.report.activationBits} bit`,
          { columns: ['layer', 'op', 'bits', 'params', 'levels', 'scale', 'input'], rows: binaryLayerRows(r.report) },
          `packed (codes at ${r.report.weightBits} bit + float scales and the rest): ${kb(s.bytes)} vs float ${kb(s.floatBytes)} (${s.ratio.toFixed(1)}x); the ONNX file keeps the codes as float32`,
          ...(r.report.batchNormRecalibration > 0 ? [`BatchNorm statistics re-estimated on ${r.report.batchNormRecalibration} training images with the deployed weights`] : []),
        ],
      };
    },
  };
}

/** bc, bwn, xnor, bnn, twn, ttq, dorefa, hwgq as quantization methods. */
export const BINARY_QUANTIZATION_METHODS: readonly QuantizationMethod[] = BINARY_METHODS.map(binaryQuantizationMethod);
