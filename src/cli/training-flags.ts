/**
 * The command-line flags every command that trains shares (`train`, `distill`): their specs for --help and
 * their parsing into the common part of `TrainOptions`.
 */
import type { LoadDatasetOptions } from '../data/load.js';
import { SlimnetError } from '../ir/errors.js';
import { parseSchedule, type Schedule } from '../train/schedule.js';
import { optInt, optNumber, optString, type OptionSpecs, type ParsedOptions } from './command.js';

/** Flag specs: data, epochs, batch size, optimizer and its settings, schedule, threads, limit. */
export const TRAINING_FLAGS: OptionSpecs = {
  data: { type: 'string', placeholder: 'mnist|fashion-mnist|PATH', description: 'training data (train split; the test split validates)', default: 'mnist' },
  epochs: { type: 'string', placeholder: 'N', description: 'passes over the training data', default: '10' },
  'batch-size': { type: 'string', placeholder: 'N', description: 'mini-batch size', default: '64' },
  lr: { type: 'string', placeholder: 'RATE', description: 'base learning rate (default 0.01 SGD, 0.001 Adam)' },
  optimizer: { type: 'string', placeholder: 'sgd|adam|adamw', description: 'update rule', default: 'sgd' },
  momentum: { type: 'string', placeholder: 'M', description: 'SGD momentum', default: '0.9' },
  'weight-decay': { type: 'string', placeholder: 'WD', description: 'weight decay (decoupled for adamw)' },
  schedule: { type: 'string', placeholder: 'SPEC', description: 'lr schedule: constant | step:E[:g] | multistep:E1,E2[:g] | cosine[:min], optional +warmup:E', default: 'constant' },
  threads: { type: 'string', placeholder: 'N', description: 'onnxruntime intra-op threads', default: '2' },
  limit: { type: 'string', placeholder: 'N', description: 'use only the first N training samples' },
};

/** The parsed common training settings. */
export interface TrainingSettings {
  readonly dataset: string;
  readonly datasetOptions?: LoadDatasetOptions;
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: 'sgd' | 'adam' | 'adamw';
  readonly momentum: number;
  readonly schedule: Schedule;
  readonly threads: number;
  readonly lr?: number;
  readonly weightDecay?: number;
}

/** Parses TRAINING_FLAGS; a bad optimizer name is an INVALID_ARGUMENT error. */
export function trainingSettings(o: ParsedOptions): TrainingSettings {
  const optimizer = optString(o, 'optimizer') ?? 'sgd';
  if (optimizer !== 'sgd' && optimizer !== 'adam' && optimizer !== 'adamw') throw new SlimnetError('INVALID_ARGUMENT', `--optimizer must be sgd, adam or adamw, got '${optimizer}'`);
  const limit = optString(o, 'limit') === undefined ? undefined : optInt(o, 'limit', 0);
  const lr = optNumber(o, 'lr');
  const wd = optNumber(o, 'weight-decay');
  return {
    dataset: optString(o, 'data') ?? 'mnist',
    ...(limit === undefined ? {} : { datasetOptions: { limit } }),
    epochs: optInt(o, 'epochs', 10),
    batchSize: optInt(o, 'batch-size', 64),
    optimizer,
    momentum: optNumber(o, 'momentum', 0.9),
    schedule: parseSchedule(optString(o, 'schedule') ?? 'constant'),
    threads: optInt(o, 'threads', 2),
    ...(lr === undefined ? {} : { lr }),
    ...(wd === undefined ? {} : { weightDecay: wd }),
  };
}
