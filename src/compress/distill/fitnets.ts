/**
 * FitNets (Romero et al. 2015), stage-wise: stage 1 trains the student up to its guided layer, plus a
 * regressor, to predict the teacher's hint layer (hint loss only; the rest of the student gets no gradient);
 * stage 2 trains the whole student with Hinton's soft-target loss. The regressor is removed afterwards.
 */
import { SlimnetError } from '../../ir/errors.js';
import { describeKd, kdLossBuilder, kdWeights, softTargetLr } from './kd.js';
import { pairBySpatialSize, resolveLayer, type LayerPair } from './layers.js';
import { hintLoss } from './losses.js';
import { addRegressor, removeRegressor } from './regressor.js';
import { positiveInt, studentValue, teacherValues, trainStage, type DistillSetup, type StageResult } from './stage.js';
import type { DistillBaseOptions } from './types.js';

/**
 * Options of FitNets (Romero et al.): hint and guided layers, epochs and rate of stage 1, then soft targets in stage 2.
 */
export interface FitnetsOptions extends DistillBaseOptions {
  readonly method: 'fitnets';
  /**
   * Teacher layer whose output is the hint (node or value name). Default, with `guided` also left out: of
   * the feature maps paired by spatial size (see pairBySpatialSize), the middle pair.
   */
  readonly hint?: string;
  /** Student layer guided by the hint (node or value name); given together with `hint`. */
  readonly guided?: string;
  /** Epochs of stage 1, hint training (default: max(1, round(epochs / 4))). */
  readonly hintEpochs?: number;
  /** Learning rate of stage 1 (default: the rate of stage 2). */
  readonly hintLr?: number;
  /** Stage 2 soft-target temperature (default 4). */
  readonly temperature?: number;
  /** Stage 2 soft-target weight α (default 0.9). */
  readonly alpha?: number;
}

/** The (guided, hint) pair the options ask for. */
export function fitnetsPair(s: DistillSetup, o: FitnetsOptions): LayerPair {
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
function hintEpochsOf(o: FitnetsOptions): number {
  return positiveInt(o.hintEpochs ?? Math.max(1, Math.round(positiveInt(o.epochs, 'epochs') / 4)), 'hintEpochs');
}

/** The method's settings in words: hint and guided layers, hint stage, soft targets. */
export function describeFitnets(s: DistillSetup, o: FitnetsOptions): string {
  const pair = fitnetsPair(s, o);
  const lr = o.hintLr === undefined ? 'lr as stage 2' : `lr ${o.hintLr}`;
  const n = hintEpochsOf(o);
  const hint = `${n} hint epoch${n === 1 ? '' : 's'} (${lr})`;
  return `hint ${pair.teacher.value} -> guided ${pair.student.value}, ${hint}, stage 2: ${describeKd(s, o)}`;
}

export async function runFitnets(s: DistillSetup, o: FitnetsOptions): Promise<StageResult> {
  const epochs = positiveInt(o.epochs, 'epochs');
  const hintEpochs = hintEpochsOf(o);
  const weights = kdWeights(o);
  const lr = softTargetLr(o, weights);
  const hintLr = o.hintLr ?? lr;
  const pair = fitnetsPair(s, o);
  const { model, regressor } = addRegressor(s.student, pair.student, pair.teacher, (o.seed ?? 0) + 7919);
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
}
