/**
 * Refusals that keep bad data from producing plausible-looking numbers: non-finite sample values, empty
 * splits, and labels that do not index the model's classes. Each error is DATASET_INVALID naming the file or
 * split, the sample and what was expected.
 */
import { SlimnetError } from '../ir/errors.js';
import type { Dataset, Split } from './types.js';

/**
 * Throws DATASET_INVALID when `values` (N samples of `sampleSize` elements) holds NaN or ±Inf; `what` names
 * the file or split. Integer arrays are finite by construction and are not scanned.
 */
export function assertFiniteValues(values: ArrayLike<number>, sampleSize: number, what: string): void {
  if (!(values instanceof Float32Array || values instanceof Float64Array)) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      const at = sampleSize > 0 ? `sample ${Math.floor(i / sampleSize)} element ${i % sampleSize}` : `element ${i}`;
      throw new SlimnetError('DATASET_INVALID', `${what}: ${at} is ${String(v)}; sample values must be finite numbers`);
    }
  }
}

/** Throws DATASET_INVALID when a split has no samples; `what` names the data set and split. */
export function assertNonEmpty(split: Pick<Split, 'count'>, what: string, hint = ''): void {
  if (split.count < 1) throw new SlimnetError('DATASET_INVALID', `${what} has no samples${hint}`);
}

/**
 * Throws DATASET_INVALID when a label of either split of `data` is not a class of a model with `classes`
 * outputs (e.g. labels up to 11 for a 10-class model, which would otherwise train with a meaningless loss).
 * `model` names the model and `source` the data (default: the data set's name) in the message.
 */
export function assertLabelsFitModel(
  data: Pick<Dataset, 'name' | 'train' | 'test'>, classes: number, model: string, source = data.name,
): void {
  for (const [which, split] of [['train', data.train], ['test', data.test]] as const) {
    const labels = split.labels;
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i] as number;
      if (l < 0 || l >= classes) {
        throw new SlimnetError(
          'DATASET_INVALID',
          `${source} (${which}): label ${l} of sample ${i} is not a class of ${model}, which has ${classes} `
            + `outputs (labels must be in [0, ${classes}))`,
        );
      }
    }
  }
}
