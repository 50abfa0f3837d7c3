/**
 * deepCompress: the Deep Compression pipeline — magnitude pruning, masked retraining, k-means weight
 * sharing, codebook fine-tuning, Huffman-coded container — with test error before and after and sizes.
 */
import { loadDataset, type LoadDatasetOptions } from '../../data/load.js';
import type { Dataset } from '../../data/types.js';
import type { Model } from '../../ir/graph.js';
import { evaluate } from '../../runtime/evaluate.js';
import { train } from '../../train/trainer.js';
import { magnitudePrune } from '../pruning/unstructured/magnitude.js';
import { finetuneCodebooks } from '../quantization/kmeans/finetune.js';
import { kmeansShare, type KindBits } from '../quantization/kmeans/share.js';
import type { KmeansInit } from '../quantization/kmeans/kmeans1d.js';
import { packWithReport, type PackOptions, type PackReport } from './container.js';

export interface DeepCompressOptions {
  readonly dataset: string | Dataset;
  readonly datasetOptions?: LoadDatasetOptions;
  /** Target sparsity per layer (exclusive with quality). */
  readonly pruneSparsity?: number | Readonly<Record<string, number>>;
  /** Han et al.'s quality parameter (threshold = quality × std). Default 1 when no sparsity given. */
  readonly quality?: number | Readonly<Record<string, number>>;
  /** Masked retraining epochs after pruning (default 1). */
  readonly retrainEpochs?: number;
  readonly retrainLr?: number;
  /** k-means bits (default { conv: 8, fc: 5 }). */
  readonly bits?: number | KindBits;
  readonly init?: KmeansInit;
  /** Codebook fine-tuning epochs (default 1; 0 skips). */
  readonly finetuneEpochs?: number;
  readonly finetuneLr?: number;
  readonly batchSize?: number;
  readonly pack?: PackOptions;
  readonly threads?: number;
  readonly inProcess?: boolean;
}

export interface DeepCompressResult {
  readonly model: Model;
  readonly bytes: Uint8Array;
  readonly report: PackReport;
  readonly errorBefore: number;
  readonly errorPruned: number;
  readonly errorAfter: number;
  readonly ratio: number;
}

export async function deepCompress(model: Model, opts: DeepCompressOptions): Promise<DeepCompressResult> {
  const data = typeof opts.dataset === 'string' ? loadDataset(opts.dataset, opts.datasetOptions ?? {}) : opts.dataset;
  const common = { dataset: data, ...(opts.batchSize === undefined ? {} : { batchSize: opts.batchSize }), ...(opts.threads === undefined ? {} : { threads: opts.threads }), ...(opts.inProcess === undefined ? {} : { inProcess: opts.inProcess }) };
  const err = async (m: Model): Promise<number> => (await evaluate(m, data.test, opts.threads === undefined ? {} : { threads: opts.threads })).top1Error;
  const errorBefore = await err(model);
  const pruned = magnitudePrune(model, opts.pruneSparsity === undefined ? { quality: opts.quality ?? 1 } : { sparsity: opts.pruneSparsity });
  let current = pruned.model;
  if ((opts.retrainEpochs ?? 1) > 0) {
    current = (await train({ ...common, model: current, epochs: opts.retrainEpochs ?? 1, lr: opts.retrainLr ?? 0.01, validate: false, hooks: { masks: pruned.masks } })).model;
  }
  const errorPruned = await err(current);
  const shared = kmeansShare(current, { ...(opts.bits === undefined ? {} : { bits: opts.bits }), ...(opts.init === undefined ? {} : { init: opts.init }) });
  current = shared.model;
  if ((opts.finetuneEpochs ?? 1) > 0) {
    current = (await finetuneCodebooks(current, shared.layers, { ...common, epochs: opts.finetuneEpochs ?? 1, lr: opts.finetuneLr ?? 0.001, validate: false })).model;
  }
  const errorAfter = await err(current);
  const { bytes, report } = packWithReport(current, opts.pack ?? {});
  return { model: current, bytes, report, errorBefore, errorPruned, errorAfter, ratio: report.ratio };
}
