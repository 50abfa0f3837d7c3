/**
 * `quantize --method kmeans`: Deep Compression's weight sharing on its own — per-layer k-means codebooks
 * (pruned zeros stay out), optional codebook fine-tuning, and the Huffman-coded container as packed form.
 */
import { foldBatchNorm } from '../../../passes/fold-batchnorm.js';
import { packWithReport } from '../../coding/container.js';
import { formatSizeTable } from '../../coding/size-table.js';
import { optionBoolean, optionalNumber, optionInteger, optionNumber, optionString, requireData, type QuantizationMethod } from '../method.js';
import { finetuneCodebooks } from './finetune.js';
import type { KmeansInit } from './kmeans1d.js';
import { kmeansShare } from './share.js';

export const kmeansMethod: QuantizationMethod = {
  name: 'kmeans',
  summary: 'k-means weight sharing: per-layer codebooks of 2^bits centroids, codebook fine-tuning, Huffman-packed container',
  reference: 'Han, Mao & Dally 2016 (Deep Compression)',
  options: {
    bits: { type: 'integer', placeholder: 'B', min: 1, max: 16, description: 'index bits of every layer (overrides --conv-bits / --fc-bits)' },
    convBits: { type: 'integer', placeholder: 'B', min: 1, max: 16, default: 8, description: 'index bits of conv layers (2^B centroids)' },
    fcBits: { type: 'integer', placeholder: 'B', min: 1, max: 16, default: 5, description: 'index bits of fully-connected layers' },
    init: { type: 'string', choices: ['linear', 'density', 'random'], default: 'linear', description: 'centroid initialisation' },
    iterations: { type: 'integer', placeholder: 'N', min: 1, default: 50, description: 'k-means (Lloyd) iterations at most' },
    finetuneEpochs: { type: 'integer', placeholder: 'N', min: 0, default: 1, description: 'codebook fine-tuning epochs (0 = none)' },
    lr: { type: 'number', placeholder: 'RATE', min: 0, default: 0.01, description: 'fine-tuning learning rate (k-means: centroid steps are normalised per cluster)' },
    batchSize: { type: 'integer', placeholder: 'N', min: 1, default: 64, description: 'fine-tuning mini-batch size' },
    keepBatchNorm: { type: 'boolean', description: 'do not fold BatchNorm into the preceding Conv first (folded layers fine-tune without batch statistics)' },
  },
  async run(input, o, ctx) {
    const { model, folded } = optionBoolean(o, 'keepBatchNorm') ? { model: input, folded: 0 } : foldBatchNorm(input.clone());
    const all = optionalNumber(o, 'bits');
    const bits = all ?? { conv: optionInteger(o, 'convBits'), fc: optionInteger(o, 'fcBits') };
    const shared = kmeansShare(model, {
      bits, init: optionString(o, 'init') as KmeansInit, iterations: optionInteger(o, 'iterations'), seed: ctx.seed ?? 0,
    });
    let out = shared.model;
    let layers = shared.layers;
    const epochs = optionInteger(o, 'finetuneEpochs');
    let finetuneError: number | undefined;
    if (epochs > 0) {
      ctx.log?.(`kmeans: fine-tuning ${layers.length} codebooks for ${epochs} epoch(s)`);
      const r = await finetuneCodebooks(out, layers, {
        dataset: requireData(ctx, 'kmeans', 'codebook fine-tuning (or --finetune-epochs 0)'), epochs, lr: optionNumber(o, 'lr'),
        batchSize: optionNumber(o, 'batchSize'), seed: ctx.seed ?? 0, threads: ctx.threads ?? 2, validate: false,
        ...(ctx.inProcess === undefined ? {} : { inProcess: ctx.inProcess }),
        ...(ctx.onProgress === undefined ? {} : { onProgress: ctx.onProgress }),
        ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
      });
      out = r.model;
      layers = r.layers;
      finetuneError = r.testError;
    }
    const packed = packWithReport(out, { maxBits: Math.max(8, ...layers.map((l) => l.bits)) });
    const rows = layers.map((l) => {
      const nonzero = l.indices.reduce((a, j) => a + (j >= 0 ? 1 : 0), 0);
      return { layer: l.name, kind: l.kind, bits: l.bits, centroids: l.codebook.length, params: l.indices.length, nonzero };
    });
    return {
      model: out,
      report: { foldedBatchNorms: folded, layers: rows, finetuneEpochs: epochs, ...(finetuneError === undefined ? {} : { finetuneTestError: finetuneError }), pack: packed.report },
      summary: [
        {
          columns: ['layer', 'kind', 'bits', 'centroids', 'params', 'nonzero'],
          rows: rows.map((r) => [r.layer, r.kind, String(r.bits), String(r.centroids), String(r.params), String(r.nonzero)]),
        },
        '',
        formatSizeTable(packed.report),
      ],
      packed: { bytes: packed.bytes, extension: 'sldc', description: 'Deep Compression container (sparse relative indices, codebooks, Huffman; see FORMAT.md)' },
    };
  },
};
