/** XNOR + popcount inference for binary layers: the packed 1-bit weight format and the native kernel. */
export { xnorAddon, requireXnorAddon, XNOR_ADDON_PATH, type XnorAddon, type XnorAddonStatus, type XnorLayerHandle } from './addon.js';
export { bestXnorIsa, XnorLayer, XNOR_ISAS, type ConvGeometry, type XnorIsa, type XnorLayerOptions } from './kernel.js';
export { isBinaryTensor, packBinaryWeights, reductionBits, unpackBinaryWeights, type PackedBinaryWeights, type PackOptions } from './packed.js';
export { decodePackedWeights, encodePackedWeights, packedByteSize } from './packed-codec.js';
