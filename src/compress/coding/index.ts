/** Deep Compression storage: relative indices, canonical Huffman coding, the container, the pipeline. */
export { BitReader, BitWriter, ByteReader, ByteWriter } from './bits.js';
export {
  canonicalCodes, codedBits, codeLengthProblem, codeLengths, decodeSymbols, encodeSymbols, HuffmanDecoder,
} from './huffman.js';
export { decodeRelative, encodeRelative, type RelativeIndices } from './relative-index.js';
export { codebookOf, MAX_CODE_LENGTH, MAX_GAP_BITS, readLayer, writeLayer, type LayerSizes } from './layer-codec.js';
export { readFrame, resealFrame, sectionSpans, writeFrame, type Frame, type SectionSpan } from './frame.js';
export {
  defaultUnpackLimit, MAGIC, pack, packWithReport, roundTripMismatches, unpack, VERSION,
  type LayerRow, type PackOptions, type PackReport, type PackResult, type UnpackOptions,
} from './container.js';
export { formatSizeTable } from './size-table.js';
export { deepCompress, type DeepCompressOptions, type DeepCompressResult } from './deep-compress.js';
