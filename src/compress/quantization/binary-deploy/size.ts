/**
 * Storage of a binary model in the packed form: every Conv / Gemm weight that holds only ±1 (whether or not
 * a Sign feeds the layer) costs its packed rows (1 bit per weight, rows padded to 64 bits, see
 * kernels/xnor/FORMAT.md); every other initializer keeps its own bytes.
 */
import type { Model } from '../../../ir/graph.js';
import { dtypeBytes } from '../../../ir/dtype.js';
import { isBinaryTensor, packBinaryWeights } from '../../../kernels/xnor/packed.js';
import { packedByteSize } from '../../../kernels/xnor/packed-codec.js';

/**
 * Size of a binary model with its ±1 weights packed as bits: packed bytes, other bytes, total, and unpacked size for
 * comparison.
 */
export interface PackedModelSize {
  /** Conv / Gemm weight tensors stored as packed bits. */
  readonly binaryTensors: number;
  /** Weights in them. */
  readonly binaryWeights: number;
  /** Their packed size (headers included, scales excluded: scales are ordinary initializers). */
  readonly binaryBytes: number;
  /** Every other initializer, at its own element size. */
  readonly otherBytes: number;
  readonly totalBytes: number;
  /** The same initializers all as they are stored now (±1 weights at 4 bytes when float32). */
  readonly unpackedBytes: number;
}

/**
 * The size a binary model takes with its ±1 Conv / Gemm weights packed at one bit each, every other initializer as
 * stored.
 */
export function packedModelSize(model: Model): PackedModelSize {
  const g = model.graph;
  let binaryTensors = 0;
  let binaryWeights = 0;
  let binaryBytes = 0;
  let otherBytes = 0;
  let unpackedBytes = 0;
  for (const v of g.initializers.values()) {
    const t = v.initializer;
    if (t === undefined) continue;
    const bytes = t.size * dtypeBytes(t.dtype);
    unpackedBytes += bytes;
    const weightOf = v.uses.find((u) => u.index === 1 && (u.node.opType === 'Conv' || u.node.opType === 'Gemm'))?.node;
    if (weightOf === undefined || (t.rank !== 4 && t.rank !== 2) || !isBinaryTensor(t)) {
      otherBytes += bytes;
      continue;
    }
    const transB = weightOf.opType === 'Conv' || weightOf.attrInt('transB', 0) !== 0;
    const packed = packBinaryWeights(t, { kind: t.rank === 4 ? 'conv' : 'gemm', transB, name: v.name });
    binaryTensors++;
    binaryWeights += t.size;
    binaryBytes += packedByteSize(packed);
  }
  return { binaryTensors, binaryWeights, binaryBytes, otherBytes, totalBytes: binaryBytes + otherBytes, unpackedBytes };
}
