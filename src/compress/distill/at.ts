/**
 * Attention transfer (Zagoruyko & Komodakis 2017): cross-entropy (or Hinton's loss when α > 0) plus
 * β/2 · Σ_j of the squared distance between the normalised spatial attention maps of paired student and
 * teacher layers.
 */
import { softmaxCrossEntropy } from '../../autodiff/losses.js';
import { SlimnetError } from '../../ir/errors.js';
import type { Value } from '../../ir/value.js';
import { kdWeights, softTargetLr, teacherLogitsName } from './kd.js';
import { pairBySpatialSize, resolveLayer, sameSpatial, type LayerPair } from './layers.js';
import { attentionTransferLoss, kdLoss } from './losses.js';
import { positiveInt, studentValue, teacherValues, trainStage, type DistillSetup, type StageResult } from './stage.js';
import type { DistillBaseOptions } from './types.js';

/**
 * Options of attention transfer (Zagoruyko & Komodakis): layer pairs, weight β and exponent p of the attention terms,
 * optional soft targets.
 */
export interface AtOptions extends DistillBaseOptions {
  readonly method: 'at';
  /** (student, teacher) layer pairs by node or value name; default: pairBySpatialSize (the ends of each stage). */
  readonly layers?: ReadonlyArray<{ readonly student: string; readonly teacher: string }>;
  /** Weight β of the attention terms (default 1000, with the mean over batch and positions). */
  readonly beta?: number;
  /** Exponent p of the attention maps (default 2). */
  readonly p?: number;
  /** Weight α of Hinton's soft targets added to the loss (default 0: plain cross-entropy + AT). */
  readonly alpha?: number;
  /** Temperature of those soft targets (default 4). */
  readonly temperature?: number;
}

/** The layer pairs the options ask for (checked: rank-4 maps of the same spatial size). */
export function atPairs(s: DistillSetup, o: AtOptions): LayerPair[] {
  if (o.layers === undefined) {
    const pairs = pairBySpatialSize(s.student, s.teacher);
    if (pairs.length === 0) throw new SlimnetError('INVALID_ARGUMENT', 'attention transfer: teacher and student have no feature maps of a common spatial size; give the layer pairs by name');
    return pairs;
  }
  if (o.layers.length === 0) throw new SlimnetError('INVALID_ARGUMENT', 'attention transfer: the list of layer pairs is empty');
  return o.layers.map((l) => {
    const student = resolveLayer(s.student, l.student, 'attention layer (student)', 4);
    const teacher = resolveLayer(s.teacher, l.teacher, 'attention layer (teacher)', 4);
    if (!sameSpatial(student.shape, teacher.shape)) {
      throw new SlimnetError('SHAPE_MISMATCH', `attention transfer pairs student '${l.student}' [${student.shape.join(',')}] with teacher '${l.teacher}' [${teacher.shape.join(',')}]: the spatial sizes must match`);
    }
    return { student, teacher };
  });
}

/** The method's settings in words: layer pairs, beta, p, and the soft targets' weight. */
export function describeAt(s: DistillSetup, o: AtOptions): string {
  const pairs = atPairs(s, o).map((p) => `${p.student.value}=${p.teacher.value}`).join(',');
  const w = kdWeights({ alpha: o.alpha ?? 0, ...(o.temperature === undefined ? {} : { temperature: o.temperature }) });
  const soft = w.alpha > 0 ? `soft targets: temperature ${w.temperature}, alpha ${w.alpha}` : 'labels only (alpha 0)';
  return `layers ${pairs}, beta ${o.beta ?? 1000}, p ${o.p ?? 2}, ${soft}`;
}

export async function runAt(s: DistillSetup, o: AtOptions): Promise<StageResult> {
  const epochs = positiveInt(o.epochs, 'epochs');
  const w = kdWeights({ alpha: o.alpha ?? 0, ...(o.temperature === undefined ? {} : { temperature: o.temperature }) });
  const pairs = atPairs(s, o);
  const teacherLogits = teacherLogitsName(s.teacher);
  const lr = softTargetLr(o, w);
  return trainStage(s, {
    stage: 'distill',
    model: s.student,
    epochs,
    ...(lr === undefined ? {} : { lr }),
    loss: (ctx) => {
      const wanted = [...pairs.map((p) => p.teacher.value), ...(w.alpha > 0 ? [teacherLogits] : [])];
      const t = teacherValues(s, ctx, wanted);
      const at = attentionTransferLoss(ctx.b, pairs.map((p, i): [Value, Value] => [studentValue(ctx, p.student.value), t[i] as Value]), {
        opset: ctx.opset, ...(o.beta === undefined ? {} : { beta: o.beta }), ...(o.p === undefined ? {} : { p: o.p }),
      });
      const soft = t[pairs.length];
      const base = soft === undefined ? softmaxCrossEntropy(ctx.b, ctx.logits, ctx.labels) : kdLoss(ctx.b, ctx.logits, soft, ctx.labels, w);
      return ctx.b.op('Add', [base, at], {}, { name: 'at/total' });
    },
  });
}
