/**
 * The command-line flags every command that trains shares (`train`, `distill`): their specs for --help and
 * their parsing into the common part of `TrainOptions`.
 */
import type { LoadDatasetOptions } from '../data/load.js';
import { SlimnetError } from '../ir/errors.js';
import { describeTrainSettings, TRAIN_DEFAULTS, type OptimizerKind, type TrainSettings } from '../train/defaults.js';
import { formatSchedule, parseSchedule, type Schedule } from '../train/schedule.js';
import {
  COUNT, NON_NEGATIVE, optInt, optNumber, optString, POSITIVE, POSITIVE_INT, type NumericRule, type OptionSpecs,
  type ParsedOptions,
} from './command.js';

/** --momentum: in [0, 1). */
const MOMENTUM: NumericRule = { kind: 'number', min: 0, below: 1 };

/** Flag specs: data, epochs, batch size, optimizer and its settings, schedule, threads, limit, validation split. */
export const TRAINING_FLAGS: OptionSpecs = {
  data: {
    type: 'string', placeholder: 'mnist|fashion-mnist|PATH', default: 'mnist',
    description: 'training data (train split; the test split validates unless --validation)',
  },
  epochs: {
    type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
    description: 'passes over the training data', default: String(TRAIN_DEFAULTS.epochs),
  },
  'batch-size': {
    type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
    description: 'mini-batch size', default: String(TRAIN_DEFAULTS.batchSize),
  },
  lr: {
    type: 'string', placeholder: 'RATE', numeric: POSITIVE,
    description: `base learning rate (default ${TRAIN_DEFAULTS.lr.sgd} SGD, ${TRAIN_DEFAULTS.lr.adam} Adam / AdamW)`,
  },
  optimizer: { type: 'string', placeholder: 'sgd|adam|adamw', description: 'update rule', default: TRAIN_DEFAULTS.optimizer },
  momentum: {
    type: 'string', placeholder: 'M', numeric: MOMENTUM,
    description: 'SGD momentum', default: String(TRAIN_DEFAULTS.momentum),
  },
  nesterov: { type: 'boolean', description: `Nesterov momentum (SGD)${TRAIN_DEFAULTS.nesterov ? ' (default: on where momentum > 0)' : ''}` },
  'weight-decay': {
    type: 'string', placeholder: 'WD', numeric: NON_NEGATIVE,
    description: `weight decay, decoupled for adamw (default ${TRAIN_DEFAULTS.weightDecay.sgd} SGD, ` +
      `${TRAIN_DEFAULTS.weightDecay.adam} Adam, ${TRAIN_DEFAULTS.weightDecay.adamw} AdamW)`,
  },
  schedule: {
    type: 'string', placeholder: 'SPEC', default: formatSchedule(TRAIN_DEFAULTS.schedule),
    description: 'lr schedule: constant | step:E[:g] | multistep:E1,E2[:g] | cosine[:min], optional +warmup:E[:start]',
  },
  threads: {
    type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
    description: 'onnxruntime intra-op threads', default: String(TRAIN_DEFAULTS.threads),
  },
  limit: {
    type: 'string', placeholder: 'N', numeric: POSITIVE_INT,
    description: 'use only the first N training samples',
  },
  validation: {
    type: 'string', placeholder: 'N', numeric: COUNT,
    description: 'hold out the last N training samples and validate on them instead of the test split (to choose settings)',
  },
};

/** The parsed common training settings (left-out values take the library defaults, TRAIN_DEFAULTS). */
export interface TrainingSettings {
  readonly dataset: string;
  readonly datasetOptions?: LoadDatasetOptions;
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerKind;
  readonly momentum: number;
  readonly nesterov?: boolean;
  readonly schedule: Schedule;
  readonly threads: number;
  readonly lr?: number;
  readonly weightDecay?: number;
}

/** Parses TRAINING_FLAGS; a bad optimizer name is an INVALID_ARGUMENT error. */
export function trainingSettings(o: ParsedOptions): TrainingSettings {
  const optimizer = optString(o, 'optimizer') ?? TRAIN_DEFAULTS.optimizer;
  if (optimizer !== 'sgd' && optimizer !== 'adam' && optimizer !== 'adamw') {
    throw new SlimnetError('INVALID_ARGUMENT', `--optimizer must be sgd, adam or adamw, got '${optimizer}'`);
  }
  const limit = optString(o, 'limit') === undefined ? undefined : optInt(o, 'limit', 0);
  const validation = optString(o, 'validation') === undefined ? undefined : optInt(o, 'validation', 0);
  const lr = optNumber(o, 'lr');
  const wd = optNumber(o, 'weight-decay');
  const datasetOptions = {
    ...(limit === undefined ? {} : { limit }),
    ...(validation === undefined ? {} : { validation }),
  };
  return {
    dataset: optString(o, 'data') ?? 'mnist',
    ...(Object.keys(datasetOptions).length === 0 ? {} : { datasetOptions }),
    epochs: optInt(o, 'epochs', TRAIN_DEFAULTS.epochs),
    batchSize: optInt(o, 'batch-size', TRAIN_DEFAULTS.batchSize),
    optimizer,
    momentum: optNumber(o, 'momentum', TRAIN_DEFAULTS.momentum),
    ...(o.nesterov === true ? { nesterov: true } : {}),
    schedule: parseSchedule(optString(o, 'schedule') ?? formatSchedule(TRAIN_DEFAULTS.schedule)),
    threads: optInt(o, 'threads', TRAIN_DEFAULTS.threads),
    ...(lr === undefined ? {} : { lr }),
    ...(wd === undefined ? {} : { weightDecay: wd }),
  };
}

/**
 * The lines the training commands print before their results: every setting the run used (defaults filled
 * in) and the data, naming a held-out validation split.
 */
export function settingsLines(s: TrainingSettings, used: TrainSettings): string[] {
  const v = s.datasetOptions?.validation;
  const limit = s.datasetOptions?.limit;
  const data = `${s.dataset}${limit === undefined ? '' : `, first ${limit} training samples`}`;
  const check = v === undefined || v === 0
    ? 'errors on the test split'
    : `errors on a validation split: the last ${v} training samples (not the test split)`;
  const epochs = `${s.epochs} epoch${s.epochs === 1 ? '' : 's'}`;
  return [`settings: ${epochs}, ${describeTrainSettings(used)}`, `data: ${data}; ${check}`];
}
