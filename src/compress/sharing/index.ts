/** Weight sharing by construction: HashedNets and circulant fully-connected layers. */
export * from './circulant/index.js';
export * from './hashed/index.js';
export { fcLayers, type FcLayer, type FcSelection } from './common/fc-layers.js';
export { layerReport, paramCount, sharingReport, type SharedLayerReport, type SharingReport } from './common/report.js';
export { emitSignedGather, entryCounts, materialize, projectMean, signedIndex } from './common/signed-table.js';
export { trainShared, type SharingTrainOptions } from './common/train-shared.js';
export { SHARING_METHODS, sharingMethod, type SharingMethod, type SharingMethodName, type SharingMethodOptions } from './methods.js';
export { SHARING_QUANTIZATION_METHODS, sharingMethodOptions } from './quantize-adapter.js';
