/**
 * A command's evaluation data as feeds for a model's inputs: a feed directory (`<input>.npy` per model input,
 * optional labels.npy; see docs/data.md) as it is, or a data set's test split fed to the model's first input.
 */
import { isFeedDir, readFeedDir, splitFeeds, type FeedSet } from '../data/feeds.js';
import { SlimnetError } from '../ir/errors.js';
import type { LoadDatasetOptions } from '../data/load.js';
import { loadDataFor } from './data-source.js';
import type { CommandIo } from './command.js';
import type { ModelSource } from './model-source.js';

/** The feeds `spec` names for `source`'s model: a feed directory, or a data set's test split. */
export function loadFeedsFor(
  source: ModelSource, spec: string, opts: LoadDatasetOptions = {}, io?: Pick<CommandIo, 'err'>,
): FeedSet {
  if (isFeedDir(spec)) return readFeedsFor(spec, io);
  const input = source.model.graph.inputs.find((v) => v.initializer === undefined);
  if (input === undefined) throw new SlimnetError('INVALID_ARGUMENT', `model '${source.label}' has no input to feed`);
  const data = loadDataFor(source, spec, opts, io);
  return splitFeeds(data.test, input.name, `${data.name} (test split)`);
}

/** readFeedDir(dir), printing what the feeds hold on `io`'s error stream (values are fed exactly as stored). */
export function readFeedsFor(dir: string, io?: Pick<CommandIo, 'err'>): FeedSet {
  const feeds = readFeedDir(dir);
  const inputs = feeds.inputs.map((x) => `${x.name} [N, ${x.sampleShape.join(', ')}] ${x.dtype}`).join(', ');
  const labels = feeds.labels === undefined ? 'no labels' : 'labels';
  const state = feeds.state?.pairs?.map((p) => `${p.input} <- ${p.output}`).join(', ');
  io?.err(`feeds ${dir}: ${feeds.count} samples of ${inputs}, ${labels}, values as stored (no scaling, no `
    + `normalisation)${state === undefined || state === '' ? '' : `, state ${state}`}`);
  return feeds;
}
