/** Hinton et al. 2015 knowledge distillation: the student matches the teacher's softened outputs. */
import { SlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import { TRAIN_DEFAULTS } from '../../train/defaults.js';
import type { LossBuilder } from '../../train/training-graph.js';
import { logitsOf } from '../../train/graph-edit.js';
import { kdLoss, type KdWeights } from './losses.js';
import { defineOptions } from '../options.js';
import { positiveInt, teacherValues, trainStage, type DistillSetup } from './stage.js';
import { defineDistillMethod, type DistillTrainSettings, type MethodDistillOptions } from './types.js';

/** Defaults of Hinton's knowledge distillation: temperature 4, soft-target weight α = 0.9. */
export const KD_DEFAULTS = { temperature: 4, alpha: 0.9 } as const;

/** Options of Hinton's knowledge distillation: softmax temperature T and soft-target weight α. */
export const KD_OPTIONS = defineOptions({
  temperature: {
    type: 'number', placeholder: 'T', min: 0, default: KD_DEFAULTS.temperature,
    description: 'soft-target temperature T > 0 (Hinton used 20 on MNIST)',
  },
  alpha: {
    type: 'number', placeholder: 'A', min: 0, max: 1, default: KD_DEFAULTS.alpha,
    description: 'weight of the soft targets (with their T² factor); the labels get 1 - A',
  },
});

/** Library options of Hinton's knowledge distillation: temperature T and soft-target weight α. */
export type KdOptions = MethodDistillOptions<'kd', typeof KD_OPTIONS>;

/** The soft-target weights of options that may leave them out. */
export function kdWeights(o: { readonly temperature?: number; readonly alpha?: number }): KdWeights {
  const w = { temperature: o.temperature ?? KD_DEFAULTS.temperature, alpha: o.alpha ?? KD_DEFAULTS.alpha };
  if (!(w.temperature > 0)) throw new SlimnetError('INVALID_ARGUMENT', `distill: temperature must be > 0, got ${w.temperature}`);
  if (!(w.alpha >= 0 && w.alpha <= 1)) throw new SlimnetError('INVALID_ARGUMENT', `distill: alpha must be in [0, 1], got ${w.alpha}`);
  return w;
}

/**
 * The teacher's logits: its first output, or the input of a final Softmax / LogSoftmax (exported
 * classifiers often end in one; soft targets need the scores before it).
 */
export function teacherLogitsName(teacher: Model): string {
  const out = logitsOf(teacher);
  const p = out.producer;
  return p !== undefined && (p.opType === 'Softmax' || p.opType === 'LogSoftmax') ? p.input(0).name : out.name;
}

/** Loss builder: kdLoss between the student's logits and the embedded teacher's logits. */
export function kdLossBuilder(s: DistillSetup, w: KdWeights): LossBuilder {
  const teacherLogits = teacherLogitsName(s.teacher);
  return (ctx) => {
    const [t] = teacherValues(s, ctx, [teacherLogits]);
    return kdLoss(ctx.b, ctx.logits, t as NonNullable<typeof t>, ctx.labels, w);
  };
}

/**
 * The default SGD learning rate of a stage trained with soft targets (undefined where the options give a rate
 * or use Adam, whose steps do not grow with the gradient). The soft-target term's gradient on the student's
 * logits, α·T·(q_T − p_T) + (1 − α)·(q − y), is up to α·T + (1 − α) times the cross-entropy's (3.7× at T 4,
 * α 0.9), so the training default rate is divided by that factor (rounded to two digits): 0.0054 at the
 * defaults. With the undivided rate, KD into the zoo LeNet-5 diverged in short runs (issue 13).
 */
export function softTargetLr(o: Pick<DistillTrainSettings, 'lr' | 'optimizer'>, w: KdWeights): number | undefined {
  if (o.lr !== undefined || (o.optimizer ?? TRAIN_DEFAULTS.optimizer) !== 'sgd' || w.alpha === 0) return undefined;
  const scale = Math.max(1, w.alpha * w.temperature + 1 - w.alpha);
  return Number((TRAIN_DEFAULTS.lr.sgd / scale).toPrecision(2));
}

/** The method's settings in words: "temperature 4, alpha 0.9". */
export function describeKd(_s: DistillSetup, o: { readonly temperature?: number; readonly alpha?: number }): string {
  const w = kdWeights(o);
  return `temperature ${w.temperature}, alpha ${w.alpha}`;
}

/** Hinton's knowledge distillation, as registered: `--method kd`. */
export const kdMethod = defineDistillMethod({
  name: 'kd', summary: 'soft targets of the teacher (temperature T, weight alpha)', reference: 'Hinton et al. 2015',
  options: KD_OPTIONS, usesLogits: () => true, describe: describeKd,
  run(s, o) {
    const w = kdWeights(o);
    const lr = softTargetLr(s.options, w);
    return trainStage(s, {
      stage: 'distill', model: s.student, epochs: positiveInt(s.options.epochs, 'epochs'), loss: kdLossBuilder(s, w),
      ...(lr === undefined ? {} : { lr }),
    });
  },
});
