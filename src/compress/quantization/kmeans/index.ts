/** k-means weight sharing (Deep Compression): 1-D k-means, shared layers, codebook fine-tuning. */
export { initCentroids, kmeans1d, lloyd, nearest, sortedNonzero, type Kmeans1dOptions, type Kmeans1dResult, type KmeansInit } from './kmeans1d.js';
export { applyShared, DEFAULT_BITS, kmeansShare, materialize, type KindBits, type KmeansShareOptions, type KmeansShareResult, type SharedLayer } from './share.js';
export { codebookModel, codebookName, indexName, readCodebooks, stepName, type CodebookGraphOptions } from './codebook-graph.js';
export { finetuneCodebooks, type FinetuneCodebooksOptions, type FinetuneCodebooksResult } from './finetune.js';
