/** Training a rewritten (hashed / circulant) model end to end with the ordinary training loop. */
import type { LoadDatasetOptions } from '../../../data/load.js';
import type { Dataset } from '../../../data/types.js';
import type { Model } from '../../../ir/graph.js';
import type { Schedule } from '../../../train/schedule.js';
import { train } from '../../../train/trainer.js';
import type { TrainProgress, TrainResult } from '../../../train/types.js';

/** Training after a sharing rewrite: data, epochs, learning rate and the other training settings. */
export interface SharingTrainOptions {
  /** Data set name / path for loadDataset, or a loaded Dataset. */
  readonly dataset: string | Dataset;
  /** loadDataset options (limit, testLimit...). */
  readonly datasetOptions?: LoadDatasetOptions;
  /** Epochs (required: fine-tuning from a trained model needs a few, training from scratch the full recipe). */
  readonly epochs: number;
  /**
   * Base learning rate (default 0.01). A shared parameter's gradient sums those of all the weights it
   * generates (HashedNets: ~factor weights per bucket; circulant: ~min(in, out) per entry of r), so plain SGD
   * needs a smaller rate than the dense network did (LeNet-300-100 from scratch: 0.05 trained the dense and
   * the 8x-hashed net, but diverged at 64x and for circulant layers; 0.01 trained them), or use Adam.
   */
  readonly lr?: number;
  /** Update rule (default 'sgd'; Adam's per-parameter scaling is insensitive to the sharing multiplicity). */
  readonly optimizer?: 'sgd' | 'adam' | 'adamw';
  /** Learning-rate schedule (default constant). */
  readonly schedule?: Schedule;
  /** SGD momentum (default 0.9). */
  readonly momentum?: number;
  /** L2 weight decay (default 0). */
  readonly weightDecay?: number;
  /** Mini-batch size (default 64). */
  readonly batchSize?: number;
  /** Batch-order seed (default 0). */
  readonly seed?: number;
  /** onnxruntime threads (default 2; use 1 on a shared machine). */
  readonly threads?: number;
  /** Validate after every epoch (default true). */
  readonly validate?: boolean;
  /** Run in the calling thread (tests). */
  readonly inProcess?: boolean;
  readonly onProgress?: (p: TrainProgress) => void;
  readonly signal?: AbortSignal;
}

/** Trains every default-trainable parameter of `model` (vectors, biases, unshared layers). */
export async function trainShared(model: Model, o: SharingTrainOptions): Promise<TrainResult> {
  const opt = <K extends keyof SharingTrainOptions>(k: K): Partial<Pick<SharingTrainOptions, K>> =>
    (o[k] === undefined ? {} : { [k]: o[k] }) as Partial<Pick<SharingTrainOptions, K>>;
  return train({
    model,
    dataset: o.dataset,
    epochs: o.epochs,
    lr: o.lr ?? 0.01,
    schedule: o.schedule ?? { kind: 'constant' }, // this family's own default (its measured recipe), not train()'s
    ...opt('datasetOptions'), ...opt('optimizer'), ...opt('momentum'), ...opt('weightDecay'), ...opt('batchSize'),
    ...opt('seed'), ...opt('threads'), ...opt('validate'), ...opt('inProcess'), ...opt('onProgress'), ...opt('signal'),
  });
}
