/**
 * FitNets (Romero et al. 2015), stage-wise: stage 1 trains the student up to its guided layer, plus a
 * regressor, to predict the teacher's hint layer (hint loss only; the rest of the student gets no gradient);
 * stage 2 trains the whole student with Hinton's soft-target loss. The regressor is removed afterwards.
 */
import { SlimnetError } from '../../ir/errors.js';
import { defineOptions, type OptionValues } from '../options.js';
import { describeKd, KD_OPTIONS, kdLossBuilder, kdWeights, softTargetLr } from './kd.js';
import { pairBySpatialSize, resolveLayer, type LayerPair } from './layers.js';
import { hintLoss } from './losses.js';
import { addRegressor, removeRegressor } from './regressor.js';
import { positiveInt, studentValue, teacherValues, trainStage, type DistillSetup } from './stage.js';
import { defineDistillMethod, type MethodDistillOptions } from './types.js';

/** Options of FitNets: hint and guided layers, epochs and rate of stage 1, then soft targets in stage 2. */
export const FITNETS_OPTIONS = defineOptions({
  hint: {
    type: 'string', placeholder: 'NODE',
    description: 'teacher hint layer (node or value name; default: the middle pair of maps of equal size)',
  },
  guided: { type: 'string', placeholder: 'NODE', description: 'student layer guided by the hint (with --hint)' },
  hintEpochs: {
    type: 'integer', placeholder: 'N', min: 1, description: 'epochs of stage 1, hint training (default epochs/4)',
  },
  hintLr: {
    type: 'number', placeholder: 'RATE', min: 0, description: 'learning rate of stage 1 (default: stage 2\'s)',
  },
  ...KD_OPTIONS,
});

/** Checked FitNets options, defaults filled in. */
export type FitnetsValues = OptionValues<typeof FITNETS_OPTIONS>;

/** Library options of FitNets (Romero et al.): hint / guided layers, hint stage, stage 2 soft targets. */
export type FitnetsOptions = MethodDistillOptions<'fitnets', typeof FITNETS_OPTIONS>;

/** The (guided, hint) pair the options ask for. */
export function fitnetsPair(s: DistillSetup, o: FitnetsValues): LayerPair {
  if (o.hint !== undefined && o.guided !== undefined) {
    const teacher = resolveLayer(s.teacher, o.hint, 'FitNets hint layer (teacher)');
    const student = resolveLayer(s.student, o.guided, 'FitNets guided layer (student)', teacher.shape.length);
    return { student, teacher };
  }
  if (o.hint !== undefined || o.guided !== undefined) {
    throw new SlimnetError('INVALID_ARGUMENT', 'FitNets: give both the hint layer (teacher) and the guided layer (student), or neither');
  }
  const pairs = pairBySpatialSize(s.student, s.teacher);
  const mid = pairs[Math.floor((pairs.length - 1) / 2)];
  if (mid === undefined) {
    throw new SlimnetError('INVALID_ARGUMENT', 'FitNets: teacher and student have no feature maps of a common spatial size; choose the hint and guided layers by name');
  }
  return mid;
}

/** Epochs of the hint stage: `hintEpochs`, by default max(1, round(epochs / 4)). */
function hintEpochsOf(s: DistillSetup, o: FitnetsValues): number {
  const epochs = positiveInt(s.options.epochs, 'epochs');
  return positiveInt(o.hintEpochs ?? Math.max(1, Math.round(epochs / 4)), 'hintEpochs');
}

/** The method's settings in words: hint and guided layers, hint stage, soft targets. */
export function describeFitnets(s: DistillSetup, o: FitnetsValues): string {
  const pair = fitnetsPair(s, o);
  const lr = o.hintLr === undefined ? 'lr as stage 2' : `lr ${o.hintLr}`;
  const n = hintEpochsOf(s, o);
  const hint = `${n} hint epoch${n === 1 ? '' : 's'} (${lr})`;
  return `hint ${pair.teacher.value} -> guided ${pair.student.value}, ${hint}, stage 2: ${describeKd(s, o)}`;
}

/** FitNets, as registered: `--method fitnets`. */
export const fitnetsMethod = defineDistillMethod({
  name: 'fitnets', summary: 'hint layer + regressor (stage 1), then soft targets (stage 2)',
  reference: 'Romero et al. 2015', options: FITNETS_OPTIONS, usesLogits: () => true, describe: describeFitnets,
  async run(s, o) {
    const epochs = positiveInt(s.options.epochs, 'epochs');
    const hintEpochs = hintEpochsOf(s, o);
    const weights = kdWeights(o);
    const lr = softTargetLr(s.options, weights);
    const hintLr = o.hintLr ?? lr;
    const pair = fitnetsPair(s, o);
    const { model, regressor } = addRegressor(s.student, pair.student, pair.teacher, (s.options.seed ?? 0) + 7919);
    const stage1 = await trainStage(s, {
      stage: 'hint',
      model,
      epochs: hintEpochs,
      validate: false,
      ...(hintLr === undefined ? {} : { lr: hintLr }),
      loss: (ctx) => {
        const [hint] = teacherValues(s, ctx, [pair.teacher.value]);
        return hintLoss(ctx.b, studentValue(ctx, regressor.output), hint as NonNullable<typeof hint>);
      },
    });
    const stage2 = await trainStage(s, {
      stage: 'distill', model: removeRegressor(stage1.model, regressor), epochs, loss: kdLossBuilder(s, weights),
      ...(lr === undefined ? {} : { lr }),
    });
    const history = [...stage1.history, ...stage2.history];
    return { model: stage2.model, history, testError: stage2.testError, settings: stage2.settings };
  },
});
