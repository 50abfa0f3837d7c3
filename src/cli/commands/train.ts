/** `slimnet train`: train a zoo model or an ONNX model with the ONNX-generated backward pass. */
import { SlimnetError } from '../../ir/errors.js';
import { checkWritable } from '../../util/atomic-write.js';
import { formatPercent } from '../../report/format.js';
import { trainingProgress } from '../progress.js';
import { formatTable } from '../../report/table.js';
import { statePath } from '../../train/checkpoint.js';
import { train } from '../../train/trainer.js';
import { optInt, optNumber, optString, POSITIVE, SEED, type Command } from '../command.js';
import { resolveModel } from '../model-source.js';
import { settingsLines, TRAINING_FLAGS, trainingSettings } from '../training-flags.js';

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a zoo model or an ONNX model (backward pass generated as ONNX, run by onnxruntime).',
  positionals: '',
  options: {
    ...TRAINING_FLAGS,
    model: { type: 'string', placeholder: 'NAME|model.onnx', description: 'zoo model (lenet-300-100, lenet5, vgg, resnet20, mobilenet, shufflenet) or an ONNX file', default: 'lenet5' },
    seed: {
      type: 'string', placeholder: 'N', numeric: SEED,
      description: 'seed of initial weights (zoo) and batch order', default: '0',
    },
    spin: { type: 'boolean', description: 'idle worker threads spin between operators (faster with 2+ threads on an idle machine)' },
    width: { type: 'string', placeholder: 'ALPHA', numeric: POSITIVE, description: 'width multiplier for zoo models' },
    checkpoint: { type: 'string', placeholder: 'PATH', description: 'checkpoint file written atomically after every epoch' },
    resume: { type: 'boolean', description: 'continue from --checkpoint (its state must exist and match these flags)' },
    out: { type: 'string', placeholder: 'PATH', description: 'where to write the trained ONNX model' },
  },
  details: 'Progress shows epoch, step, loss, accuracy, images/s and ETA; Ctrl-C stops at the next step without\nwriting a partial file. The saved model is a plain inference graph (BatchNorm in eval mode).',
  async run(_positionals, o, io) {
    const out = optString(o, 'out');
    if (out === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'slimnet train: --out PATH is required (where to write the trained model)');
    const seed = optInt(o, 'seed', 0);
    const width = optNumber(o, 'width');
    const source = resolveModel(optString(o, 'model') ?? 'lenet5', { seed, ...(width === undefined ? {} : { width }) });
    const protect = source.path === undefined ? [] : [source.path];
    const checkpoint = optString(o, 'checkpoint');
    const written = [out, ...(checkpoint === undefined ? [] : [checkpoint, statePath(checkpoint)])];
    for (const p of written) checkWritable(p, { protect });
    const settings = trainingSettings(o);
    const checkedOn = settings.datasetOptions?.validation === undefined ? 'test' : 'validation';
    const result = await train({
      model: source.model,
      ...settings,
      seed,
      spinning: o.spin === true,
      ...(checkpoint === undefined ? {} : { checkpoint }),
      resume: o.resume === true,
      output: out,
      ...(o.json === true ? {} : { onProgress: trainingProgress(io, checkedOn) }),
    });
    if (o.json === true) {
      const { testError, history, resumedFromEpoch, convLayout, warnings } = result;
      const data = { name: settings.dataset, ...settings.datasetOptions, errorsOn: checkedOn };
      const run = { epochs: settings.epochs, ...result.settings };
      const json = { model: source.label, out, testError, history, resumedFromEpoch, convLayout, warnings, settings: run, data };
      io.out(JSON.stringify(json, null, 2));
      return 0;
    }
    for (const line of settingsLines(settings, result.settings)) io.out(line);
    io.out(formatTable(
      [{ header: 'epoch' }, { header: 'train loss', align: 'right' }, { header: 'train error' }, { header: `${checkedOn} error` }, { header: 'img/s' }, { header: 'seconds' }],
      result.history.map((h) => [String(h.epoch), h.trainLoss.toFixed(4), formatPercent(h.trainError), Number.isNaN(h.testError) ? '-' : formatPercent(h.testError), h.imagesPerSecond.toFixed(0), h.seconds.toFixed(1)]),
    ));
    io.out(`convolutions: ${result.convLayout === 'blocked' ? 'blocked NCHWc kernels (checked on the first batch)' : 'plain kernels'}`);
    io.out(`saved ${out} (${checkedOn} error ${Number.isNaN(result.testError) ? 'not measured' : formatPercent(result.testError)})`);
    return 0;
  },
};
