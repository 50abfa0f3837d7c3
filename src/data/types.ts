/** Data-set types shared by every loader: a Split is N samples in one flat float32 buffer plus labels. */

/** One split (train or test) of a classification data set, already normalised. */
export interface Split {
  /** N × (sampleShape) float32 values in row-major order (N×C×H×W for images), normalised. */
  readonly images: Float32Array;
  /** N class indices in [0, numClasses). */
  readonly labels: Int32Array;
  /** Number of samples N. */
  readonly count: number;
  /** Shape of one sample: [C, H, W] for images, [D] for feature vectors. */
  readonly sampleShape: readonly number[];
}

/** Per-channel normalisation applied as x' = (x − mean[c]) / std[c] on values already scaled to [0, 1]. */
export interface Normalization {
  /** One mean per channel (length 1 means one value for all channels / features). */
  readonly mean: readonly number[];
  /** One standard deviation per channel, same length as `mean`. */
  readonly std: readonly number[];
}

/** A labelled data set with train and test splits, its class count and names, and the normalisation applied. */
export interface Dataset {
  /** Short name: 'mnist', 'fashion-mnist', or derived from the path for generic data sets. */
  readonly name: string;
  /** Number of classes (labels are in [0, numClasses)). */
  readonly numClasses: number;
  readonly train: Split;
  readonly test: Split;
  /** Class names by index, when the source provides them. */
  readonly classNames?: readonly string[];
  /** The normalisation applied to `images`, or undefined when there was none. */
  readonly normalization?: Normalization;
  /** What was done to the stored values (scaling, normalisation) as one printable line; set by loadDataset. */
  readonly preprocessing?: string;
  /**
   * Set when `test` is a validation split held out from the end of the training split
   * (LoadDatasetOptions.validation): the size of the full training split it was carved from.
   */
  readonly validationOf?: number;
}

/**
 * A split as read from disk, before scaling and normalisation. `data` holds raw element values
 * (e.g. bytes 0..255) in N×(sampleShape) row-major order; multiply by `scale` to map into [0, 1].
 */
export interface RawSplit {
  readonly data: ArrayLike<number>;
  readonly labels: Int32Array;
  readonly count: number;
  readonly sampleShape: readonly number[];
  /** Factor that maps raw values to [0, 1] (1/255 for bytes, 1 for float data). */
  readonly scale: number;
}

/** Number of elements of one sample. */
export function sampleSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
