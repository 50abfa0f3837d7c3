/** Data sets: loaders (IDX, NPY, CIFAR, image folders, MNIST, Fashion-MNIST), normalisation, batching. */
export type { Dataset, Normalization, RawSplit, Split } from './types.js';
export { sampleSize } from './types.js';
export { loadDataset, type LoadDatasetOptions } from './load.js';
export { assertFiniteValues, assertLabelsFitModel, assertNonEmpty } from './checks.js';
export { batchCount, batches, epochBatches, epochOrder, type Batch, type BatchOptions } from './batches.js';
export { encodeIdx, parseIdx, readIdxFile, type IdxArray, type IdxData } from './idx.js';
export { findIdxSet, readIdxSet, readIdxSplit, type IdxSetFiles } from './idx-set.js';
export { encodeNpy, parseNpy, readNpyFile, type NpyArray, type NpyData, type NpyDType } from './npy.js';
export { isNpyDir, readNpyDir, type ImageLayout } from './npy-dir.js';
export { findCifar, readCifar, readCifarFiles, type CifarFiles, type CifarLabelKind } from './cifar.js';
export { decodeImage, isImageFolder, readImageFolder, type ImageFolderOptions } from './image-folder.js';
export {
  FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, FASHION_MNIST_NORMALIZATION, MNIST_CLASSES, MNIST_NORMALIZATION,
} from './mnist.js';
export { computeNormalization, toSplit } from './normalize.js';
export {
  feedBatches, isFeedDir, readFeedDir, splitFeeds, type FeedBatch, type FeedInput, type FeedSet,
} from './feeds.js';
export { inferStatePairs, stateStems, type FeedState, type NamedShape, type StatePair } from './state.js';
