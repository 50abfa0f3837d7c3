/** Deep Compression storage: relative indices, canonical Huffman coding, the container, the pipeline. */
export { BitReader, BitWriter, ByteReader, ByteWriter } from './bits.js';
export { canonicalCodes, codedBits, codeLengths, decodeSymbols, encodeSymbols } from './huffman.js';
export { decodeRelative, encodeRelative, type RelativeIndices } from './relative-index.js';
export { codebookOf, MAX_CODE_LENGTH, readLayer, writeLayer, type LayerSizes } from './layer-codec.js';
export { MAGIC, pack, packWithReport, roundTripMismatches, unpack, VERSION, type LayerRow, type PackOptions, type PackReport, type PackResult } from './container.js';
export { formatSizeTable } from './size-table.js';
export { deepCompress, type DeepCompressOptions, type DeepCompressResult } from './deep-compress.js';
