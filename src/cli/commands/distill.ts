/** `slimnet distill`: train a student from a frozen teacher (soft targets, FitNets or attention transfer). */
import {
  DISTILL_METHOD_NAMES, distill, KD_DEFAULTS, softTargetLr, type DistillMethodName, type DistillOptions,
} from '../../compress/distill/index.js';
import { SlimnetError } from '../../ir/errors.js';
import { TRAIN_DEFAULTS } from '../../train/defaults.js';
import { formatPercent } from '../../report/format.js';
import { formatTable } from '../../report/table.js';
import { trainingProgress } from '../progress.js';
import { checkWritable } from '../../util/atomic-write.js';
import {
  COUNT, NON_NEGATIVE, optInt, optNumber, optString, POSITIVE, POSITIVE_INT, SEED, type Command, type NumericRule,
  type ParsedOptions,
} from '../command.js';
import { resolveModel } from '../model-source.js';
import { settingsLines, TRAINING_FLAGS, trainingSettings } from '../training-flags.js';

/** --alpha: a weight in [0, 1]. */
const UNIT: NumericRule = { kind: 'number', min: 0, max: 1 };

/** Method-specific flags and the methods they apply to. */
const METHOD_FLAGS: Readonly<Record<string, readonly DistillMethodName[]>> = {
  temperature: ['kd', 'fitnets', 'at'],
  alpha: ['kd', 'fitnets', 'at'],
  hint: ['fitnets'],
  guided: ['fitnets'],
  'hint-epochs': ['fitnets'],
  'hint-lr': ['fitnets'],
  'at-layers': ['at'],
  beta: ['at'],
  p: ['at'],
};

/** "s1=t1,s2=t2" → layer pairs. */
function parseLayerPairs(spec: string): Array<{ student: string; teacher: string }> {
  return spec.split(',').map((item) => {
    const [student, teacher, extra] = item.split('=');
    if (student === undefined || teacher === undefined || extra !== undefined || student === '' || teacher === '') {
      throw new SlimnetError('INVALID_ARGUMENT', `--at-layers expects STUDENT=TEACHER pairs separated by commas, got '${item}'`);
    }
    return { student, teacher };
  });
}

/** The method-specific part of the options; flags of another method are an error. */
function methodOptions(method: DistillMethodName, o: ParsedOptions): Record<string, unknown> {
  for (const [flag, methods] of Object.entries(METHOD_FLAGS)) {
    if (o[flag] !== undefined && !methods.includes(method)) throw new SlimnetError('INVALID_ARGUMENT', `--${flag} applies to --method ${methods.join('|')}, not ${method}`);
  }
  const num = (flag: string, key: string): Record<string, number> => {
    const v = optNumber(o, flag);
    return v === undefined ? {} : { [key]: v };
  };
  const str = (flag: string, key: string): Record<string, string> => {
    const v = optString(o, flag);
    return v === undefined ? {} : { [key]: v };
  };
  const layers = optString(o, 'at-layers');
  return {
    ...num('temperature', 'temperature'), ...num('alpha', 'alpha'), ...str('hint', 'hint'), ...str('guided', 'guided'),
    ...(o['hint-epochs'] === undefined ? {} : { hintEpochs: optInt(o, 'hint-epochs', 0) }), ...num('hint-lr', 'hintLr'),
    ...(layers === undefined ? {} : { layers: parseLayerPairs(layers) }), ...num('beta', 'beta'), ...num('p', 'p'),
  };
}

export const distillCommand: Command = {
  name: 'distill',
  summary: 'Train a student from a frozen teacher: soft targets (kd), FitNets hints (fitnets) or attention transfer (at).',
  positionals: '',
  options: {
    ...TRAINING_FLAGS,
    lr: {
      type: 'string', placeholder: 'RATE', numeric: POSITIVE,
      description: `base learning rate (default SGD: ${TRAIN_DEFAULTS.lr.sgd} / (alpha*T + 1 - alpha) with soft targets, ` +
        `${softTargetLr({}, KD_DEFAULTS)} for kd's defaults, ${TRAIN_DEFAULTS.lr.sgd} without; ${TRAIN_DEFAULTS.lr.adam} Adam)`,
    },
    teacher: { type: 'string', placeholder: 'MODEL.onnx|NAME', description: 'the trained teacher (ONNX file; a zoo name gives an untrained one)' },
    student: { type: 'string', placeholder: 'NAME|MODEL.onnx', description: 'the student: zoo model (initialised with --seed, --width) or an ONNX file' },
    method: { type: 'string', placeholder: 'kd|fitnets|at', description: 'distillation method', default: 'kd' },
    temperature: {
      type: 'string', placeholder: 'T', numeric: POSITIVE,
      description: 'soft-target temperature (kd, fitnets stage 2, at with --alpha; default 4)',
    },
    alpha: {
      type: 'string', placeholder: 'A', numeric: UNIT,
      description: 'weight of the soft targets, 1-A on the labels (default 0.9; at: 0)',
    },
    hint: { type: 'string', placeholder: 'NODE', description: 'fitnets: teacher hint layer (node or value name; default: middle resolution)' },
    guided: { type: 'string', placeholder: 'NODE', description: 'fitnets: student guided layer (with --hint)' },
    'hint-epochs': {
      type: 'string', placeholder: 'N', numeric: COUNT,
      description: 'fitnets: epochs of stage 1, hint training (default epochs/4)',
    },
    'hint-lr': {
      type: 'string', placeholder: 'RATE', numeric: POSITIVE,
      description: 'fitnets: learning rate of stage 1 (default --lr)',
    },
    'at-layers': { type: 'string', placeholder: 'S=T,...', description: 'at: student=teacher layer pairs (default: the last map of each common resolution)' },
    beta: {
      type: 'string', placeholder: 'B', numeric: NON_NEGATIVE,
      description: 'at: weight of the attention terms (default 1000)',
    },
    p: { type: 'string', placeholder: 'P', numeric: POSITIVE, description: 'at: attention map exponent (default 2)' },
    epochs: {
      type: 'string', placeholder: 'N', numeric: POSITIVE_INT, default: String(TRAIN_DEFAULTS.epochs),
      description: 'epochs of distillation (fitnets: of stage 2)',
    },
    seed: {
      type: 'string', placeholder: 'N', numeric: SEED,
      description: 'seed of the student initial weights (zoo) and batch order', default: '0',
    },
    width: {
      type: 'string', placeholder: 'ALPHA', numeric: POSITIVE,
      description: 'width multiplier of a zoo student',
    },
    'skip-teacher-eval': { type: 'boolean', description: "do not measure the teacher's test error" },
    out: { type: 'string', placeholder: 'PATH', description: 'where to write the distilled student (ONNX)' },
  },
  details: [
    'The teacher runs frozen inside the student\'s training graph (one onnxruntime run per step; BatchNorm in',
    'inference mode, no gradient). Layers are chosen by node or value name; an unknown name lists candidates.',
    'Progress shows stage, epoch, loss, images/s and ETA; Ctrl-C stops at the next step without writing a file.',
    'example: slimnet distill --teacher big.onnx --student lenet-300-100 --width 0.1 --method kd --temperature 20 --out small.onnx',
  ].join('\n'),
  async run(_positionals, o, io) {
    const out = optString(o, 'out');
    if (out === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet distill: --out PATH is required (where to write the distilled student)');
    const teacherSpec = optString(o, 'teacher');
    const studentSpec = optString(o, 'student');
    if (teacherSpec === undefined || studentSpec === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet distill: --teacher and --student are required');
    const method = optString(o, 'method') ?? 'kd';
    if (!(DISTILL_METHOD_NAMES as readonly string[]).includes(method)) throw new SlimnetError('INVALID_ARGUMENT', `--method must be one of ${DISTILL_METHOD_NAMES.join(', ')}, got '${method}'`);
    const specific = methodOptions(method as DistillMethodName, o);
    const seed = optInt(o, 'seed', 0);
    const width = optNumber(o, 'width');
    const teacher = resolveModel(teacherSpec, { seed });
    const student = resolveModel(studentSpec, { seed, ...(width === undefined ? {} : { width }) });
    checkWritable(out, { protect: [teacher.path, student.path].filter((p): p is string => p !== undefined) });
    const settings = trainingSettings(o);
    const checkedOn = settings.datasetOptions?.validation === undefined ? 'test' : 'validation';
    const options = {
      method,
      ...specific,
      teacher: teacher.model,
      student: student.model,
      ...settings,
      seed,
      evaluateTeacher: o['skip-teacher-eval'] !== true,
      output: out,
      ...(o.json === true ? {} : { onProgress: trainingProgress(io, checkedOn) }),
    } as DistillOptions;
    const r = await distill(options);
    if (o.json === true) {
      const run = { epochs: settings.epochs, ...r.settings };
      const data = { name: settings.dataset, ...settings.datasetOptions, errorsOn: checkedOn };
      io.out(JSON.stringify({
        method, methodSettings: r.methodSettings, teacher: teacher.label, student: student.label, out,
        teacherTestError: r.teacherTestError ?? null, testError: r.testError, history: r.history, settings: run, data,
      }, null, 2));
      return 0;
    }
    const pct = (e: number | undefined): string => (e === undefined || Number.isNaN(e) ? '-' : formatPercent(e));
    io.out(`method: ${method}, ${r.methodSettings}`);
    for (const line of settingsLines(settings, r.settings)) io.out(line);
    io.out(formatTable(
      [{ header: 'stage' }, { header: 'epoch' }, { header: 'train loss', align: 'right' }, { header: 'train error' }, { header: `${checkedOn} error` }, { header: 'img/s' }, { header: 'seconds' }],
      r.history.map((h) => [h.stage, String(h.epoch), h.trainLoss.toFixed(4), pct(h.trainError), pct(h.testError), h.imagesPerSecond.toFixed(0), h.seconds.toFixed(1)]),
    ));
    io.out(`teacher ${checkedOn} error ${pct(r.teacherTestError)}, distilled student ${checkedOn} error ${pct(r.testError)}`);
    io.out(`saved ${out}`);
    return 0;
  },
};
