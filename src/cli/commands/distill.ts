/** `slimnet distill`: train a student from a frozen teacher (soft targets, FitNets or attention transfer). */
import {
  distill, distillationMethod, distillationMethods, KD_DEFAULTS, softTargetLr, type DistillOptions,
} from '../../compress/distill/index.js';
import { SlimnetError } from '../../ir/errors.js';
import { TRAIN_DEFAULTS } from '../../train/defaults.js';
import { formatPercent } from '../../report/format.js';
import { formatTable } from '../../report/table.js';
import { trainingProgress } from '../progress.js';
import { checkWritable } from '../../util/atomic-write.js';
import {
  optInt, optNumber, optString, POSITIVE, POSITIVE_INT, SEED, type Command, type OptionSpecs,
} from '../command.js';
import { methodFlagHelp, methodFlagSpecs, methodOptionsFromFlags } from '../method-flags.js';
import { resolveModel } from '../model-source.js';
import { settingsLines, TRAINING_FLAGS, trainingSettings } from '../training-flags.js';

const COMMAND_OPTIONS: OptionSpecs = {
  ...TRAINING_FLAGS,
  lr: {
    type: 'string', placeholder: 'RATE', numeric: POSITIVE,
    description: `base learning rate (default SGD: ${TRAIN_DEFAULTS.lr.sgd} / (alpha*T + 1 - alpha) with soft `
      + `targets, ${softTargetLr({}, KD_DEFAULTS)} for kd's defaults, ${TRAIN_DEFAULTS.lr.sgd} without; `
      + `${TRAIN_DEFAULTS.lr.adam} Adam)`,
  },
  teacher: {
    type: 'string', placeholder: 'MODEL.onnx|NAME',
    description: 'the trained teacher (ONNX file; a zoo name gives an untrained one)',
  },
  student: {
    type: 'string', placeholder: 'NAME|MODEL.onnx',
    description: 'the student: zoo model (initialised with --seed, --width) or an ONNX file',
  },
  method: { type: 'string', placeholder: 'kd|fitnets|at', description: 'distillation method (below)', default: 'kd' },
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
};

export const distillCommand: Command = {
  name: 'distill',
  summary: 'Train a student from a frozen teacher: soft targets (kd), FitNets hints (fitnets) or attention transfer (at).',
  positionals: '',
  // Derived from the registry when asked, so methods registered later get their flags and help too.
  get options() { return methodFlagSpecs(distillationMethods, COMMAND_OPTIONS); },
  get details() {
    return [...methodFlagHelp(distillationMethods), '',
      'The teacher runs frozen inside the student\'s training graph (one onnxruntime run per step; BatchNorm in',
      'inference mode, no gradient). Layers are chosen by node or value name; an unknown name lists candidates.',
      'Progress shows stage, epoch, loss, images/s and ETA; Ctrl-C stops at the next step without writing a file.',
      'example: slimnet distill --teacher big.onnx --student lenet-300-100 --width 0.1 --method kd --temperature 20 '
        + '--out small.onnx',
    ].join('\n');
  },
  async run(_positionals, o, io) {
    const out = optString(o, 'out');
    if (out === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet distill: --out PATH is required (where to write the distilled student)');
    const teacherSpec = optString(o, 'teacher');
    const studentSpec = optString(o, 'student');
    if (teacherSpec === undefined || studentSpec === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet distill: --teacher and --student are required');
    const method = optString(o, 'method') ?? 'kd';
    const specific = methodOptionsFromFlags(distillationMethods, distillationMethod(method), COMMAND_OPTIONS, o);
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
