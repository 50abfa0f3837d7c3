/**
 * What every distillation method shares: resolving teacher and student, one training stage through the
 * ordinary train() loop with a loss that embeds the teacher, and lookups of activations inside the
 * training graph.
 */
import { SlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import type { Value } from '../../ir/value.js';
import type { TrainSettings } from '../../train/defaults.js';
import { train } from '../../train/trainer.js';
import type { LossBuilder, LossContext } from '../../train/training-graph.js';
import type { TrainOptions } from '../../train/types.js';
import { buildZooModel } from '../../zoo/index.js';
import { checkCompatible, embedTeacher, prepareTeacher } from './teacher.js';
import { TRAIN_SETTING_KEYS, type DistillBaseOptions, type DistillEpochStats, type DistillStage, type DistillTrainSettings } from './types.js';

export interface DistillSetup {
  /** Shape-inferred copies of the teacher and of the student's initial model. */
  readonly teacher: Model;
  readonly student: Model;
  readonly options: DistillBaseOptions;
}

export interface StageSpec {
  readonly stage: DistillStage;
  /** The model trained in this stage (the student, or the student with a regressor). */
  readonly model: Model;
  readonly epochs: number;
  readonly loss: LossBuilder;
  /** Overrides the learning rate of the options. */
  readonly lr?: number;
  /** Overrides validation of the options. */
  readonly validate?: boolean;
}

export interface StageResult {
  readonly model: Model;
  readonly history: DistillEpochStats[];
  readonly testError: number;
  /** The training settings the stage used. */
  readonly settings: TrainSettings;
}

/** Builds zoo models given by name, copies and shape-infers both, checks they read the same images. */
export function setupDistillation(o: DistillBaseOptions, needClasses: boolean): DistillSetup {
  const seed = o.seed ?? 0;
  const teacher = typeof o.teacher === 'string' ? buildZooModel(o.teacher, { seed, ...o.teacherZoo }) : o.teacher;
  const student = typeof o.student === 'string' ? buildZooModel(o.student, { seed, ...o.studentZoo }) : o.student;
  const t = prepareTeacher(teacher);
  const s = prepareTeacher(student);
  checkCompatible(t, s, needClasses);
  return { teacher: t, student: s, options: o };
}

/** One stage of training under `spec.loss`. */
export async function trainStage(s: DistillSetup, spec: StageSpec): Promise<StageResult> {
  const o = s.options;
  const opts: TrainOptions = {
    ...trainSettings(o),
    model: spec.model,
    dataset: o.dataset,
    epochs: spec.epochs,
    hooks: { loss: spec.loss },
    ...(spec.lr === undefined ? {} : { lr: spec.lr }),
    ...(spec.validate === undefined ? {} : { validate: spec.validate }),
    ...(o.onProgress === undefined ? {} : { onProgress: (p) => o.onProgress?.({ ...p, stage: spec.stage }) }),
  };
  const r = await train(opts);
  const history = r.history.map((h) => ({ ...h, stage: spec.stage }));
  return { model: r.model, history, testError: r.testError, settings: r.settings };
}

function trainSettings(o: DistillBaseOptions): DistillTrainSettings {
  const out: Record<string, unknown> = {};
  for (const k of TRAIN_SETTING_KEYS) if (o[k] !== undefined) out[k] = o[k];
  return out as DistillTrainSettings;
}

/** The teacher's values named `names`, computed inside the training graph from the step's images. */
export function teacherValues(s: DistillSetup, ctx: LossContext, names: readonly string[]): Value[] {
  return embedTeacher(ctx.b, s.teacher, ctx.input, names, ctx.opset);
}

/** A student activation of the training graph by name. */
export function studentValue(ctx: LossContext, name: string): Value {
  const v = ctx.b.graph.valuesByName().get(name);
  if (v === undefined) throw new SlimnetError('INVALID_ARGUMENT', `the student's training graph has no value '${name}'`);
  return v;
}

/** A positive integer option, or a typed error naming it. */
export function positiveInt(v: number, what: string): number {
  if (!Number.isInteger(v) || v <= 0) throw new SlimnetError('INVALID_ARGUMENT', `distill: ${what} must be a positive integer, got ${v}`);
  return v;
}
