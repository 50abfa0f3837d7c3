/**
 * train(): builds the training and validation graphs on the calling thread (hooks may be functions), then
 * runs the loop in a worker thread so progress stays live and Ctrl-C stops at a step boundary. The
 * request crossing to the worker is plain data: model bytes, graph interface, hyper-parameters, masks.
 */
import { SlimnetError } from '../ir/errors.js';
import { GraphBuilder } from '../ir/builder.js';
import type { Model } from '../ir/graph.js';
import { decodeModel, encodeModel, saveModel } from '../onnx/index.js';
import { inferShapes } from '../passes/infer-shapes.js';
import { runWorker, type WorkerContext } from '../runtime/worker.js';
import { buildZooModel } from '../zoo/index.js';
import { buildEvalGraph } from './eval-graph.js';
import { insertActivationTransforms, insertTransforms, TransformRecorder } from './transforms.js';
import { resolveTrainSettings, TRAIN_DEFAULTS, type TrainSettingOptions } from './defaults.js';
import type { OptimizerSpec } from './optimizer.js';
import { requireState } from './checkpoint-resume.js';
import { runTraining } from './run-training.js';
import { validateSchedule } from './schedule.js';
import { buildTrainingGraph, selectTrainable } from './training-graph.js';
import type { TrainHooks, TrainOptions, TrainProgress, TrainRequest, TrainResponse, TrainResult } from './types.js';

/**
 * Trains a model (a Model or a zoo name) on a data set in a worker thread with onnxruntime, from an ONNX training
 * graph; returns the trained inference model and per-epoch statistics.
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const request = prepareTraining(opts);
  const response = opts.inProcess === true
    ? await runTraining(request, inProcessContext(opts))
    : await runWorker<TrainRequest, TrainProgress, TrainResponse>(new URL('./train-worker.js', import.meta.url), request, {
        ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      });
  const model = decodeModel(response.model);
  if (opts.output !== undefined) saveModel(model, opts.output, { externalData: false });
  const last = response.history[response.history.length - 1];
  return {
    model, history: response.history, testError: last?.testError ?? NaN, resumedFromEpoch: response.resumedFromEpoch,
    convLayout: response.convLayout, warnings: response.warnings, settings: resolveTrainSettings(opts),
  };
}

/** The optimizer spec implied by the options (TRAIN_DEFAULTS for what they leave out). */
export function optimizerSpec(opts: TrainSettingOptions): OptimizerSpec {
  const kind = opts.optimizer ?? TRAIN_DEFAULTS.optimizer;
  if (kind !== 'sgd' && kind !== 'adam' && kind !== 'adamw') {
    throw new SlimnetError('INVALID_ARGUMENT', `unknown optimizer '${String(kind)}'; use sgd, adam or adamw`);
  }
  return resolveTrainSettings(opts).optimizer;
}

/** Resolves the model, builds both graphs and the worker request (exported for tests and tools). */
export function prepareTraining(opts: TrainOptions): TrainRequest {
  checkNumbers(opts);
  const source = typeof opts.model === 'string' ? buildZooModel(opts.model, opts.zoo) : opts.model;
  const hooks = opts.hooks ?? {};
  const optimizer = optimizerSpec(opts);
  const settings = resolveTrainSettings(opts);
  const masks = hooks.masks ?? {};
  const { model: trainingModel, info } = buildTrainingGraph(source, {
    optimizer,
    masks: Object.keys(masks),
    dropoutSeed: settings.seed,
    ...(opts.maxPoolGrad === undefined ? {} : { maxPoolGrad: opts.maxPoolGrad }),
    ...(hooks.frozen === undefined ? {} : { frozen: hooks.frozen }),
    ...(hooks.terms === undefined ? {} : { terms: hooks.terms }),
    ...(hooks.transforms === undefined ? {} : { transforms: hooks.transforms }),
    ...(hooks.activations === undefined ? {} : { activations: hooks.activations }),
    ...(hooks.loss === undefined ? {} : { loss: hooks.loss }),
    ...(hooks.rules === undefined ? {} : { rules: hooks.rules }),
    ...(hooks.trainable === undefined ? {} : { trainable: hooks.trainable }),
  });
  if (info.extraInputs.length > 0) {
    throw new SlimnetError('INVALID_ARGUMENT', `the loss declares extra inputs (${info.extraInputs.map((i) => i.name).join(', ')}) that the training loop cannot feed`);
  }
  const inference = inferenceWithTransforms(source, hooks);
  const schedule = settings.schedule;
  validateSchedule(schedule);
  const request: TrainRequest = {
    trainingGraph: encodeModel(trainingModel),
    evalGraph: encodeModel(buildEvalGraph(inference, info)),
    inferenceModel: encodeModel(inference),
    info,
    dataset: opts.dataset,
    datasetOptions: opts.datasetOptions ?? {},
    epochs: opts.epochs,
    batchSize: settings.batchSize,
    lr: settings.lr,
    optimizer,
    schedule,
    seed: settings.seed,
    threads: settings.threads,
    spinning: opts.spinning ?? false,
    blockedConvs: opts.blockedConvs ?? true,
    ...(opts.nchwcBlockSize === undefined ? {} : { nchwcBlockSize: opts.nchwcBlockSize }),
    masks,
    validate: opts.validate ?? true,
    ...(opts.checkpoint === undefined ? {} : { checkpoint: opts.checkpoint }),
    resume: opts.resume ?? false,
  };
  return request;
}

/** The inference model the trained values go into: the source, plus the transforms' forward nodes (inference form). */
export function inferenceWithTransforms(source: Model, hooks: Pick<TrainHooks, 'transforms' | 'activations' | 'frozen' | 'trainable'> = {}): Model {
  if (hooks.transforms === undefined && hooks.activations === undefined) return source;
  const m = source.clone();
  inferShapes(m);
  const b = new GraphBuilder(m.graph);
  const ctx = new TransformRecorder(b, false);
  const which = { ...(hooks.frozen === undefined ? {} : { frozen: hooks.frozen }), ...(hooks.trainable === undefined ? {} : { trainable: hooks.trainable }) };
  const weights = selectTrainable(m, which);
  insertActivationTransforms(b, hooks.activations, ctx);
  insertTransforms(b, weights, hooks.transforms, ctx);
  return m;
}

function checkNumbers(o: TrainOptions): void {
  const bad = (what: string, v: unknown): never => {
    throw new SlimnetError('INVALID_ARGUMENT', `train: ${what} must be a positive ${what === 'lr' ? 'number' : 'integer'}, got ${String(v)}`);
  };
  if (!Number.isInteger(o.epochs) || o.epochs <= 0) bad('epochs', o.epochs);
  if (o.batchSize !== undefined && (!Number.isInteger(o.batchSize) || o.batchSize <= 0)) bad('batchSize', o.batchSize);
  if (o.threads !== undefined && (!Number.isInteger(o.threads) || o.threads <= 0)) bad('threads', o.threads);
  if (o.lr !== undefined && !(o.lr > 0)) bad('lr', o.lr);
  if (o.resume === true && o.checkpoint === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'train: resume needs a checkpoint path');
  if (o.resume === true && o.checkpoint !== undefined) requireState(o.checkpoint);
}

function inProcessContext(opts: TrainOptions): WorkerContext<TrainProgress> {
  const stopped = (): boolean => opts.signal?.aborted === true;
  return {
    progress: (p) => opts.onProgress?.(p),
    shouldStop: stopped,
    throwIfStopped: (what = 'training') => {
      if (stopped()) throw new SlimnetError('INTERRUPTED', `${what} interrupted on request`);
    },
  };
}
