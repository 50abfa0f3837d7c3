/**
 * A command's evaluation data as feeds for a model's inputs: a feed directory (`<input>.npy` per model input,
 * optional labels.npy; see docs/data.md) as it is, or a data set's test split fed to the model's first input.
 */
import { isFeedDir, readFeedDir, splitFeeds, type FeedSet } from '../data/feeds.js';
import { SlimnetError } from '../ir/errors.js';
import type { LoadDatasetOptions } from '../data/load.js';
import { loadDataFor } from './data-source.js';
import type { ModelSource } from './model-source.js';

/** The feeds `spec` names for `source`'s model: a feed directory, or a data set's test split. */
export function loadFeedsFor(source: ModelSource, spec: string, opts: LoadDatasetOptions = {}): FeedSet {
  if (isFeedDir(spec)) return readFeedDir(spec);
  const input = source.model.graph.inputs.find((v) => v.initializer === undefined);
  if (input === undefined) throw new SlimnetError('INVALID_ARGUMENT', `model '${source.label}' has no input to feed`);
  const data = loadDataFor(source, spec, opts);
  return splitFeeds(data.test, input.name, `${data.name} (test split)`);
}
