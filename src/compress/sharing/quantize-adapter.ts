/**
 * `slimnet quantize --method hashed|circulant`: the weight-sharing methods (SHARING_METHODS, also behind
 * `slimnet share`) as quantization registry entries. The options mirror `slimnet share`'s flags; data,
 * threads, seed and progress come from the quantize context. HashedNets' packed form (buckets + seeds,
 * hashed/FORMAT.md) is the method's packed output.
 */
import { SlimnetError } from '../../ir/errors.js';
import {
  optionalNumber, optionInteger, optionList, optionNumber, optionString, requireData,
  type QuantizationMethod, type QuantizeContext,
} from '../quantization/method.js';
import type { AnyOptionValues } from '../options.js';
import { parseSchedule } from '../../train/schedule.js';
import type { CirculantSize } from './circulant/structure.js';
import { packHashedWithReport } from './hashed/pack.js';
import { SHARING_METHODS, type SharingMethod, type SharingMethodName, type SharingMethodOptions } from './methods.js';

function layerFactors(o: AnyOptionValues): Record<string, number> | undefined {
  const items = optionList(o, 'layerFactors');
  if (items.length === 0) return undefined;
  const out: Record<string, number> = {};
  for (const item of items) {
    const [name, f] = item.split('=');
    const n = Number(f);
    if (name === undefined || name === '' || f === undefined || !(n >= 1)) throw new SlimnetError('INVALID_ARGUMENT', `option 'layerFactors' expects LAYER=FACTOR pairs with FACTOR >= 1, got '${item}'`);
    out[name] = n;
  }
  return out;
}

function circulantSize(o: AnyOptionValues): CirculantSize {
  const s = optionString(o, 'size');
  if (s === 'pow2' || s === 'exact') return s;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new SlimnetError('INVALID_ARGUMENT', `option 'size' must be pow2, exact or a positive integer, got '${s}'`);
  return n;
}

/** The SharingMethodOptions the checked options and the quantize context describe. */
export function sharingMethodOptions(name: SharingMethodName, o: AnyOptionValues, ctx: QuantizeContext): SharingMethodOptions {
  const epochs = optionInteger(o, 'epochs');
  const optimizer = optionString(o, 'optimizer') as 'sgd' | 'adam' | 'adamw';
  const [only, exclude, wd] = [optionList(o, 'only'), optionList(o, 'exclude'), optionalNumber(o, 'weightDecay')];
  const factors = name === 'hashed' ? layerFactors(o) : undefined;
  return {
    seed: ctx.seed ?? 0,
    init: optionString(o, 'init') as 'project' | 'random',
    ...(only.length === 0 ? {} : { only }), ...(exclude.length === 0 ? {} : { exclude }),
    ...(name === 'hashed' ? { factor: optionNumber(o, 'factor'), index: optionString(o, 'index') as 'hash' | 'stored', ...(factors === undefined ? {} : { factors }) } : {}),
    ...(name === 'circulant' ? { mode: optionString(o, 'mode') as 'fft' | 'dense', size: circulantSize(o) } : {}),
    ...(epochs === 0 ? {} : {
      train: {
        dataset: requireData(ctx, name, 'training after the rewrite (or --epochs 0)'), epochs, optimizer,
        lr: optionalNumber(o, 'lr') ?? (optimizer === 'sgd' ? 0.01 : 0.001), schedule: parseSchedule(optionString(o, 'schedule')),
        batchSize: optionInteger(o, 'batchSize'), seed: ctx.seed ?? 0, threads: ctx.threads ?? 2, validate: false,
        ...(wd === undefined ? {} : { weightDecay: wd }),
        ...(ctx.inProcess === undefined ? {} : { inProcess: ctx.inProcess }),
        ...(ctx.onProgress === undefined ? {} : { onProgress: ctx.onProgress }),
        ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
      },
    }),
  };
}

function sharingQuantizationMethod(m: SharingMethod): QuantizationMethod {
  return {
    name: m.name,
    summary: m.summary,
    ...(m.reference === undefined ? {} : { reference: m.reference }),
    options: m.options,
    async run(model, o, ctx) {
      const { model: out, report } = await m.run(model, sharingMethodOptions(m.name, o, ctx));
      const pack = m.name === 'hashed' ? packHashedWithReport(out) : undefined;
      return {
        model: out,
        report: { ...report, ...(pack === undefined ? {} : { pack: pack.report }) },
        summary: [
          {
            columns: ['layer', 'in -> out', 'dense weights', 'parameters', 'ratio', 'structure'],
            rows: report.layers.map((l) => [l.node, `${l.inFeatures} -> ${l.outFeatures}`, String(l.denseParams), String(l.params), `${l.ratio.toFixed(1)}x`, l.detail]),
          },
          `parameters ${report.paramsBefore} -> ${report.paramsAfter} (${report.ratio.toFixed(1)}x fewer)`,
        ],
        ...(pack === undefined ? {} : { packed: { bytes: pack.bytes, extension: 'slhn', description: 'HashedNets packed form (buckets + hash seeds, hashed/FORMAT.md)' } }),
      };
    },
  };
}

/** hashed and circulant as quantization methods (one registry entry each). */
export const SHARING_QUANTIZATION_METHODS: readonly QuantizationMethod[] = SHARING_METHODS.map(sharingQuantizationMethod);
