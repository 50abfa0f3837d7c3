/** Option and result types shared by the distillation methods. */
import type { Dataset } from '../../data/types.js';
import type { Model } from '../../ir/graph.js';
import type { TrainSettings } from '../../train/defaults.js';
import type { EpochStats, TrainOptions, TrainProgress } from '../../train/types.js';
import type { ZooOptions } from '../../zoo/options.js';
import type { OptionSpecs, OptionValue, OptionValues } from '../options.js';
import type { MethodEntry } from '../registry.js';
import type { DistillSetup, StageResult } from './stage.js';

/** Training settings passed through to train() unchanged (same meaning and defaults as there). */
export type DistillTrainSettings = Pick<
  TrainOptions,
  'datasetOptions' | 'batchSize' | 'lr' | 'optimizer' | 'momentum' | 'nesterov' | 'weightDecay' | 'adam' | 'schedule' | 'seed' | 'threads' | 'maxPoolGrad' | 'validate' | 'signal' | 'inProcess'
>;

/** The training settings' keys, to copy them out of the method options. */
export const TRAIN_SETTING_KEYS = [
  'datasetOptions', 'batchSize', 'lr', 'optimizer', 'momentum', 'nesterov', 'weightDecay', 'adam', 'schedule', 'seed', 'threads', 'maxPoolGrad', 'validate', 'signal', 'inProcess',
] as const satisfies ReadonlyArray<keyof DistillTrainSettings>;

/** A training stage: FitNets has 'hint' then 'distill'; KD and AT only 'distill'. */
export type DistillStage = 'hint' | 'distill';

/** Options every method accepts. */
export interface DistillBaseOptions extends DistillTrainSettings {
  /** The trained teacher: a Model, or a zoo model name (then built with `teacherZoo`; only useful in tests). */
  readonly teacher: Model | string;
  /** The student with its initial weights: a Model, or a zoo model name (built with `studentZoo`). */
  readonly student: Model | string;
  /** Zoo options of a student given by name (its seed defaults to `seed`). */
  readonly studentZoo?: ZooOptions;
  /** Zoo options of a teacher given by name. */
  readonly teacherZoo?: ZooOptions;
  /** Training data: a loadDataset name / path, or a loaded Dataset. */
  readonly dataset: string | Dataset;
  /** Epochs of the distillation stage (FitNets' hint stage has its own count). */
  readonly epochs: number;
  /** Write the distilled student here (atomically). */
  readonly output?: string;
  /** Also measure the teacher's test error (result.teacherTestError; one pass over the test split). */
  readonly evaluateTeacher?: boolean;
  /** Progress of the running stage. */
  readonly onProgress?: (p: DistillProgress) => void;
}

/** A training progress report, tagged with the distillation stage. */
export interface DistillProgress extends TrainProgress {
  readonly stage: DistillStage;
}

/** One epoch's statistics, tagged with the distillation stage. */
export interface DistillEpochStats extends EpochStats {
  readonly stage: DistillStage;
}

/**
 * The result of `distill`: the trained student, history of every stage, student and teacher test error, and the
 * settings used.
 */
export interface DistillResult {
  /** The trained student (inference graph; a FitNets regressor is removed). */
  readonly model: Model;
  /** Every epoch of every stage, in order. */
  readonly history: readonly DistillEpochStats[];
  /** The student's test error after the last epoch (NaN when validation is off). */
  readonly testError: number;
  /** The teacher's test error, when `evaluateTeacher` was set. */
  readonly teacherTestError?: number;
  /** The training settings of the distillation stage, defaults filled in (describeTrainSettings prints them). */
  readonly settings: TrainSettings;
  /** The method's own settings, defaults filled in (temperature, alpha, layers...), in words. */
  readonly methodSettings: string;
}

/** A distillation method of the registry: its options schema, whether it uses logits, and how it runs. */
export interface DistillMethod<S extends OptionSpecs = OptionSpecs> extends MethodEntry<S> {
  /** Whether the method compares teacher and student logits (both need the same classes). */
  usesLogits(o: OptionValues<S>): boolean;
  /** Trains the student (the common options are `s.options`). */
  run(s: DistillSetup, o: OptionValues<S>): Promise<StageResult>;
  /** The method's own settings in words, defaults filled in (printed by the command). */
  describe(s: DistillSetup, o: OptionValues<S>): string;
}

/** A distillation method whose functions see its options typed from the `options` schema. */
export function defineDistillMethod<const S extends OptionSpecs>(m: DistillMethod<S>): DistillMethod {
  return m as unknown as DistillMethod;
}

/** Library options of one method: the common ones, its name, and the options of its schema (all optional). */
export type MethodDistillOptions<N extends string, S extends OptionSpecs> = DistillBaseOptions
  & { readonly method: N } & { readonly [K in keyof S]?: OptionValue<S[K]> };
