/**
 * trainBinary: the one entry of the binary / ternary family. Plans the method's structure, trains it with
 * straight-through estimators through the ordinary train() loop (weight transforms + activation
 * transforms), exports the deployment form and measures its packed size.
 *
 *   const { model, report } = await trainBinary(lenet5, { method: 'xnor', dataset: 'mnist', epochs: 3 });
 */
import { loadDataset, type LoadDatasetOptions } from '../../../data/load.js';
import type { Dataset } from '../../../data/types.js';
import type { Model } from '../../../ir/graph.js';
import { saveModel } from '../../../onnx/index.js';
import { recalibrateBatchNorm } from '../../../train/batchnorm-stats.js';
import { train } from '../../../train/trainer.js';
import type { Schedule } from '../../../train/schedule.js';
import type { EpochStats, TrainOptions, TrainProgress } from '../../../train/types.js';
import { exportBinary, type DeployedLayer } from './export.js';
import type { BinaryMethodName, BinaryMethodOptions } from './methods.js';
import { layerNodes, planBinary } from './plan.js';
import { packedSize, type PackedSize } from './size.js';

/**
 * Options of `trainBinary`: the method (bc, bwn, xnor, bnn, twn, ttq, dorefa, hwgq), its knobs, and the training
 * settings.
 */
export interface TrainBinaryOptions extends BinaryMethodOptions {
  /** bc | bwn | xnor | bnn | twn | ttq | dorefa | hwgq. */
  readonly method: BinaryMethodName;
  /** Data set name / path for loadDataset, or a loaded Dataset. */
  readonly dataset: string | Dataset;
  /** loadDataset options (limit, testLimit...). */
  readonly datasetOptions?: LoadDatasetOptions;
  /** Training epochs (default 1). Starting from a trained float model makes this fine-tuning. */
  readonly epochs?: number;
  /** Update rule (default 'adam', as the BNN / XNOR papers). */
  readonly optimizer?: TrainOptions['optimizer'];
  /** Learning rate (default 1e-3 for Adam / AdamW, 0.01 for SGD). */
  readonly lr?: number;
  /** SGD momentum (default 0.9). */
  readonly momentum?: number;
  /** Weight decay (default 0). */
  readonly weightDecay?: number;
  /** Learning-rate schedule (default constant). */
  readonly schedule?: Schedule;
  /** Mini-batch size (default 64). */
  readonly batchSize?: number;
  /** onnxruntime threads (default 2). */
  readonly threads?: number;
  /** Validate on the test split after every epoch (default true). */
  readonly validate?: boolean;
  /** Checkpoint file of the training run (fake-quantized model + state); see train(). */
  readonly checkpoint?: string;
  /** Resume from `checkpoint` (default false). */
  readonly resume?: boolean;
  /**
   * Re-estimate the deployed model's BatchNorm statistics on this many training images (0: keep the
   * training run's). Default 2048 for stochastic BinaryConnect, whose statistics were gathered on randomly
   * sampled ±H networks rather than the deployed sign(w)·H one, else 0.
   */
  readonly recalibrateBatchNorm?: number;
  /** Write the deployed model here (atomically). */
  readonly output?: string;
  /** Run training in the calling thread (tests). */
  readonly inProcess?: boolean;
  readonly onProgress?: (p: TrainProgress) => void;
  readonly signal?: AbortSignal;
}

/** One quantized layer of a binary / ternary model: how it was deployed (codes, scales) and its sizes. */
export interface BinaryLayerReport extends DeployedLayer {
  readonly opType: string;
  /** Whether the layer's input is quantized (binary / k-bit activations). */
  readonly quantizedInput: boolean;
}

/**
 * What `trainBinary` did: method, weight / activation / gradient bits, per-layer reports, layers kept in full
 * precision, nodes added, packed size, BatchNorm recalibration, test error and training history.
 */
export interface BinaryReport {
  readonly method: BinaryMethodName;
  readonly title: string;
  /** Bits per quantized weight / activation (32 = float). */
  readonly weightBits: number;
  readonly activationBits: number;
  /** Bits of the quantized gradients (DoReFa), when on. */
  readonly gradientBits?: number;
  readonly layers: readonly BinaryLayerReport[];
  /** Conv / Gemm layers left in full precision. */
  readonly fullPrecision: readonly string[];
  /** Nodes the method added (BatchNorms before binarized inputs, XNOR scaling factors, BNN logits BN). */
  readonly added: readonly string[];
  readonly size: PackedSize;
  /** Training images the deployed BatchNorm statistics were re-estimated on (0: not re-estimated). */
  readonly batchNormRecalibration: number;
  /** Test error of the trained fake-quantized model after the last epoch (NaN without validation). */
  readonly testError: number;
  readonly history: readonly EpochStats[];
}

/** The result of `trainBinary`: the deployment form (codes + scales), the fake-quantized training model, and the report. */
export interface TrainBinaryResult {
  /** The deployment form (codes + scales, Sign activations...). */
  readonly model: Model;
  /** The trained model as training saw it (float shadow weights, fake-quant nodes). */
  readonly fakeQuant: Model;
  readonly report: BinaryReport;
}

/**
 * Trains a binary or ternary network with straight-through estimators (BinaryConnect, BWN, XNOR-Net, BNN, TWN, TTQ,
 * DoReFa, HWGQ) and exports the deployment form that onnxruntime runs.
 */
export async function trainBinary(source: Model, opts: TrainBinaryOptions): Promise<TrainBinaryResult> {
  const plan = planBinary(source, opts.method, opts);
  const optimizer = opts.optimizer ?? 'adam';
  const pass = <K extends keyof TrainBinaryOptions & keyof TrainOptions>(...keys: K[]): Partial<TrainOptions> =>
    Object.fromEntries(keys.filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]])) as Partial<TrainOptions>;
  const r = await train({
    ...pass('datasetOptions', 'momentum', 'weightDecay', 'schedule', 'batchSize', 'threads', 'validate', 'checkpoint', 'resume', 'inProcess', 'onProgress', 'signal', 'seed'),
    model: plan.model,
    dataset: opts.dataset,
    epochs: opts.epochs ?? 1,
    optimizer,
    lr: opts.lr ?? (optimizer === 'sgd' ? 0.01 : 1e-3),
    // This method's own default (its measured recipe), not train()'s cosine.
    schedule: opts.schedule ?? { kind: 'constant' },
    hooks: plan.hooks,
  });
  const exported = exportBinary(plan, r.model);
  const recal = opts.recalibrateBatchNorm ?? (opts.method === 'bc' && opts.stochastic === true ? 2048 : 0);
  const hasBn = exported.model.graph.nodes.some((n) => n.opType === 'BatchNormalization');
  const recalibration = recal > 0 && hasBn ? await recalibrated(exported.model, recal, opts) : undefined;
  const deployed = recalibration === undefined ? exported : { ...exported, model: recalibration.model };
  if (opts.output !== undefined) saveModel(deployed.model, opts.output, { externalData: false });
  const quantized = new Set(plan.layers.map((l) => l.node));
  const report: BinaryReport = {
    method: opts.method,
    title: plan.method.title,
    weightBits: plan.weights.bits,
    activationBits: plan.activations?.bits ?? 32,
    ...(opts.gradientBits === undefined ? {} : { gradientBits: opts.gradientBits }),
    layers: deployed.layers.map((l, i) => ({ ...l, opType: plan.layers[i]!.opType, quantizedInput: plan.layers[i]!.quantizedInput })),
    fullPrecision: layerNodes(source).map((n) => n.name).filter((n) => !quantized.has(n)),
    added: plan.added,
    size: packedSize(deployed, source),
    batchNormRecalibration: recalibration?.samples ?? 0,
    testError: r.testError,
    history: r.history,
  };
  return { model: deployed.model, fakeQuant: r.model, report };
}

/** The deployed model with BatchNorm statistics re-estimated on (at most) `samples` training images. */
async function recalibrated(model: Model, samples: number, opts: TrainBinaryOptions): Promise<{ model: Model; samples: number }> {
  const data = typeof opts.dataset === 'string' ? loadDataset(opts.dataset, opts.datasetOptions ?? {}) : opts.dataset;
  const r = await recalibrateBatchNorm(model, { data: data.train, samples, ...(opts.threads === undefined ? {} : { threads: opts.threads }) });
  return { model: r.model, samples: Math.min(samples, data.train.count) };
}
