/** HashedNets: hashed fully-connected weights, bucket training, ONNX export and the packed form. */
export { emitHashIndex, HASH_PRIME, hashCoefficients, hashIndex, polyHash, type HashCoefficients } from './hash.js';
export { hashLayers, hashNet, type HashNetOptions, type HashNetResult } from './hashnet.js';
export { applyHashing, bucketName, HASHED_METADATA_KEY, layerIndex, readBuckets, readHashedLayers, type HashedLayer } from './layers.js';
export { HASHED_MAGIC, HASHED_VERSION, hashedSkeleton, packHashed, packHashedWithReport, unpackHashed, type HashedPackReport } from './pack.js';
