/**
 * Loading a command's data set for the models it will run: on top of loadDataset's own checks (empty splits,
 * non-finite values), labels that are not classes of a model are refused before any work starts.
 */
import { assertLabelsFitModel } from '../data/checks.js';
import { loadDataset, type LoadDatasetOptions } from '../data/load.js';
import type { Dataset } from '../data/types.js';
import { outputClassCount } from '../passes/class-count.js';
import type { CommandIo } from './command.js';
import type { ModelSource } from './model-source.js';

/**
 * loadDataset(spec, opts), refusing (DATASET_INVALID) a label outside [0, classes) of any of `models` (the
 * classes of a model are the per-sample size of its first output, when it is known without running it). With
 * `io`, the preprocessing applied to the data (scaling, normalisation) is printed on its error stream.
 */
export function loadDataFor(
  models: ModelSource | readonly ModelSource[], spec: string, opts: LoadDatasetOptions = {},
  io?: Pick<CommandIo, 'err'>,
): Dataset {
  const data = loadDataset(spec, opts);
  for (const m of Array.isArray(models) ? models : [models]) checkLabelsFor(m, data, `data set '${spec}'`);
  if (io !== undefined && data.preprocessing !== undefined) io.err(`data ${data.name}: ${data.preprocessing}`);
  return data;
}

/** assertLabelsFitModel for one model of a command (a no-op when its class count is unknown). */
export function checkLabelsFor(source: ModelSource, data: Dataset, what = `data set '${data.name}'`): void {
  const classes = outputClassCount(source.model);
  if (classes !== undefined) assertLabelsFitModel(data, classes, `model '${source.label}'`, what);
}
