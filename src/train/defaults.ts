/**
 * The training defaults: the one table train() and every command that trains (`slimnet train`, `distill`:
 * flags, --help, the settings line printed with the results) read, so the library and the CLI cannot drift.
 *
 * The values are the best recipe measured for the first commands a newcomer types (LeNet-5 on MNIST, 3
 * epochs), chosen on a validation split held out from the training data (LoadDatasetOptions.validation) and
 * checked on the BatchNorm zoo models; docs/training.md has the measurements. Every value is overridable.
 */
import type { OptimizerSpec } from './optimizer.js';
import { formatSchedule, type Schedule } from './schedule.js';
import type { TrainOptions } from './types.js';

/** The optimizer kinds train() knows. */
export type OptimizerKind = 'sgd' | 'adam' | 'adamw';

/**
 * The default training settings: epochs, batch size, optimizer, momentum, learning rate and weight decay by optimizer,
 * schedule.
 */
export interface TrainDefaults {
  /** Epochs of `slimnet train` / `distill` when --epochs is left out (train() itself requires a count). */
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerKind;
  /** SGD momentum. */
  readonly momentum: number;
  /** SGD Nesterov momentum (only where momentum > 0). */
  readonly nesterov: boolean;
  /** Base learning rate by optimizer. */
  readonly lr: Readonly<Record<OptimizerKind, number>>;
  /** Weight decay by optimizer (L2 for SGD / Adam, decoupled for AdamW). */
  readonly weightDecay: Readonly<Record<OptimizerKind, number>>;
  readonly schedule: Schedule;
  readonly seed: number;
  readonly threads: number;
}

/** The defaults. */
export const TRAIN_DEFAULTS: TrainDefaults = {
  epochs: 10,
  batchSize: 64,
  optimizer: 'sgd',
  momentum: 0.9,
  nesterov: false,
  lr: { sgd: 0.02, adam: 0.001, adamw: 0.001 },
  weightDecay: { sgd: 0, adam: 0, adamw: 0.01 },
  schedule: { kind: 'cosine', warmupEpochs: 0.3 },
  seed: 0,
  threads: 2,
};

/** The settings of a run with every default filled in (what train() used; printed by the commands). */
export interface TrainSettings {
  readonly batchSize: number;
  readonly lr: number;
  /** The optimizer with every field explicit (momentum / nesterov / weightDecay, or betas / eps / weightDecay). */
  readonly optimizer: OptimizerSpec;
  readonly schedule: Schedule;
  readonly seed: number;
  readonly threads: number;
}

/** The options resolveTrainSettings reads. */
export type TrainSettingOptions = Pick<
  TrainOptions,
  'batchSize' | 'lr' | 'optimizer' | 'momentum' | 'nesterov' | 'weightDecay' | 'adam' | 'schedule' | 'seed' | 'threads'
>;

/** The settings `o` means: its own values, TRAIN_DEFAULTS for the rest. */
export function resolveTrainSettings(o: TrainSettingOptions, d: TrainDefaults = TRAIN_DEFAULTS): TrainSettings {
  const kind = o.optimizer ?? d.optimizer;
  const weightDecay = o.weightDecay ?? d.weightDecay[kind] ?? 0;
  let optimizer: OptimizerSpec;
  if (kind === 'sgd') {
    const momentum = o.momentum ?? d.momentum;
    optimizer = { kind, momentum, nesterov: o.nesterov ?? (d.nesterov && momentum > 0), weightDecay };
  } else {
    const a = o.adam ?? {};
    optimizer = { kind, beta1: a.beta1 ?? 0.9, beta2: a.beta2 ?? 0.999, eps: a.eps ?? 1e-8, weightDecay };
  }
  return {
    batchSize: o.batchSize ?? d.batchSize,
    lr: o.lr ?? d.lr[kind] ?? d.lr.sgd,
    optimizer,
    schedule: o.schedule ?? d.schedule,
    seed: o.seed ?? d.seed,
    threads: o.threads ?? d.threads,
  };
}

/**
 * One line naming every setting, e.g. "sgd momentum 0.9, lr 0.02, schedule cosine+warmup:0.3, weight decay 0,
 * batch 64, seed 0".
 */
export function describeTrainSettings(s: TrainSettings): string {
  const o = s.optimizer;
  const rule = o.kind === 'sgd'
    ? `sgd momentum ${o.momentum ?? 0}${o.nesterov === true ? ' nesterov' : ''}`
    : `${o.kind} betas ${o.beta1 ?? 0.9}/${o.beta2 ?? 0.999} eps ${o.eps ?? 1e-8}`;
  const rest = `weight decay ${o.weightDecay ?? 0}, batch ${s.batchSize}, seed ${s.seed}`;
  return `${rule}, lr ${s.lr}, schedule ${formatSchedule(s.schedule)}, ${rest}`;
}
