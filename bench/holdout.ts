/** Validation splits for the benches: hold out the last training images instead of looking at the test split. */
import type { Dataset, Split } from '../src/data/types.js';

/** Samples [start, end) of a split (views, no copy of the images). */
function slice(s: Split, start: number, end: number): Split {
  const size = s.sampleShape.reduce((a, b) => a * b, 1);
  const images = s.images.subarray(start * size, end * size);
  return { ...s, images, labels: s.labels.slice(start, end), count: end - start };
}

/** The data set whose test split is the last `n` training samples (training keeps the others). */
export function holdout(d: Dataset, n: number): Dataset {
  if (!(Number.isInteger(n) && n > 0 && n < d.train.count)) {
    throw new Error(`validation: expected an integer in [1, ${d.train.count}), got ${n}`);
  }
  const keep = d.train.count - n;
  return { ...d, train: slice(d.train, 0, keep), test: slice(d.train, keep, d.train.count) };
}
