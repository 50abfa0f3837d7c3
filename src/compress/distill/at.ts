/**
 * Attention transfer (Zagoruyko & Komodakis 2017): cross-entropy (or Hinton's loss when α > 0) plus
 * β/2 · Σ_j of the squared distance between the normalised spatial attention maps of paired student and
 * teacher layers.
 */
import { softmaxCrossEntropy } from '../../autodiff/losses.js';
import { SlimnetError } from '../../ir/errors.js';
import type { Value } from '../../ir/value.js';
import { defineOptions, splitList, type OptionValues } from '../options.js';
import { KD_DEFAULTS, kdWeights, softTargetLr, teacherLogitsName } from './kd.js';
import { pairBySpatialSize, resolveLayer, sameSpatial, type LayerPair } from './layers.js';
import { attentionTransferLoss, kdLoss } from './losses.js';
import { positiveInt, studentValue, teacherValues, trainStage, type DistillSetup } from './stage.js';
import { defineDistillMethod, type MethodDistillOptions } from './types.js';

/** Options of attention transfer: layer pairs, weight β and exponent p of the attention terms, soft targets. */
export const AT_OPTIONS = defineOptions({
  atLayers: {
    type: 'string', placeholder: 'S=T,...',
    description: 'student=teacher layer pairs (default: the last map of each common resolution)',
  },
  beta: {
    type: 'number', placeholder: 'B', min: 0, default: 1000,
    description: 'weight of the attention terms (with the mean over batch and positions)',
  },
  p: { type: 'number', placeholder: 'P', min: 0, default: 2, description: 'attention map exponent p > 0' },
  alpha: {
    type: 'number', placeholder: 'A', min: 0, max: 1, default: 0,
    description: 'weight of soft targets added to the loss (0: plain cross-entropy + AT)',
  },
  temperature: {
    type: 'number', placeholder: 'T', min: 0, default: KD_DEFAULTS.temperature,
    description: 'temperature of those soft targets',
  },
});

/** Checked attention-transfer options, defaults filled in. */
export type AtValues = OptionValues<typeof AT_OPTIONS>;

/** Library options of attention transfer (Zagoruyko & Komodakis): layer pairs, β, p, optional soft targets. */
export type AtOptions = MethodDistillOptions<'at', typeof AT_OPTIONS>;

/** The layer pairs the options ask for (checked: rank-4 maps of the same spatial size). */
export function atPairs(s: DistillSetup, o: AtValues): LayerPair[] {
  if (o.atLayers === undefined) {
    const pairs = pairBySpatialSize(s.student, s.teacher);
    if (pairs.length === 0) throw new SlimnetError('INVALID_ARGUMENT', 'attention transfer: teacher and student have no feature maps of a common spatial size; give the layer pairs by name');
    return pairs;
  }
  const layers = splitList(o.atLayers).map((item) => {
    const [student, teacher, extra] = item.split('=');
    if (student === undefined || teacher === undefined || extra !== undefined || student === '' || teacher === '') {
      const why = `atLayers (--at-layers) expects STUDENT=TEACHER pairs separated by commas, got '${item}'`;
      throw new SlimnetError('INVALID_ARGUMENT', why);
    }
    return { student, teacher };
  });
  if (layers.length === 0) {
    throw new SlimnetError('INVALID_ARGUMENT', 'attention transfer: the list of layer pairs is empty');
  }
  return layers.map((l) => {
    const student = resolveLayer(s.student, l.student, 'attention layer (student)', 4);
    const teacher = resolveLayer(s.teacher, l.teacher, 'attention layer (teacher)', 4);
    if (!sameSpatial(student.shape, teacher.shape)) {
      throw new SlimnetError('SHAPE_MISMATCH', `attention transfer pairs student '${l.student}' [${student.shape.join(',')}] with teacher '${l.teacher}' [${teacher.shape.join(',')}]: the spatial sizes must match`);
    }
    return { student, teacher };
  });
}

/** The method's settings in words: layer pairs, beta, p, and the soft targets' weight. */
export function describeAt(s: DistillSetup, o: AtValues): string {
  const pairs = atPairs(s, o).map((p) => `${p.student.value}=${p.teacher.value}`).join(',');
  const w = kdWeights(o);
  const soft = w.alpha > 0 ? `soft targets: temperature ${w.temperature}, alpha ${w.alpha}` : 'labels only (alpha 0)';
  return `layers ${pairs}, beta ${o.beta}, p ${o.p}, ${soft}`;
}

/** Attention transfer, as registered: `--method at`. */
export const atMethod = defineDistillMethod({
  name: 'at', summary: 'attention transfer on spatial attention maps of paired layers',
  reference: 'Zagoruyko & Komodakis 2017', options: AT_OPTIONS, usesLogits: (o) => o.alpha > 0, describe: describeAt,
  run(s, o) {
    const epochs = positiveInt(s.options.epochs, 'epochs');
    const w = kdWeights(o);
    const pairs = atPairs(s, o);
    const teacherLogits = teacherLogitsName(s.teacher);
    const lr = softTargetLr(s.options, w);
    return trainStage(s, {
      stage: 'distill',
      model: s.student,
      epochs,
      ...(lr === undefined ? {} : { lr }),
      loss: (ctx) => {
        const wanted = [...pairs.map((p) => p.teacher.value), ...(w.alpha > 0 ? [teacherLogits] : [])];
        const t = teacherValues(s, ctx, wanted);
        const maps = pairs.map((p, i): [Value, Value] => [studentValue(ctx, p.student.value), t[i] as Value]);
        const at = attentionTransferLoss(ctx.b, maps, { opset: ctx.opset, beta: o.beta, p: o.p });
        const soft = t[pairs.length];
        const base = soft === undefined ? softmaxCrossEntropy(ctx.b, ctx.logits, ctx.labels)
          : kdLoss(ctx.b, ctx.logits, soft, ctx.labels, w);
        return ctx.b.op('Add', [base, at], {}, { name: 'at/total' });
      },
    });
  },
});
