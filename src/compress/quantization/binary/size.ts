/**
 * Packed size of a deployed binary / ternary model: each quantized weight at its code width
 * (⌈bits·n / 8⌉ bytes) plus its stored scales (4 bytes each), every other initializer at its dtype's
 * size (float32 biases, BatchNorm parameters, full-precision first / last layers...). The per-channel
 * scale tensors of the deployed graph are not counted twice (`extraFloats` covers them).
 */
import { dtypeBytes } from '../../../ir/dtype.js';
import type { Model } from '../../../ir/graph.js';
import type { DeployedBinary, DeployedLayer } from './export.js';

export interface PackedSize {
  /** Bytes of the packed model. */
  readonly bytes: number;
  /** Bytes of the float model it came from (all initializers at their dtype's size). */
  readonly floatBytes: number;
  /** floatBytes / bytes. */
  readonly ratio: number;
  /** Weights stored as codes. */
  readonly quantizedParams: number;
  /** Values stored in float (or other) precision. */
  readonly otherParams: number;
}

/** Bytes of one quantized layer: ⌈bits·n / 8⌉ + 4 per stored float. */
export function layerBytes(l: Pick<DeployedLayer, 'bits' | 'params' | 'extraFloats'>): number {
  return Math.ceil((l.bits * l.params) / 8) + 4 * l.extraFloats;
}

/** Bytes of all initializers of a model at their dtype's size, skipping `skip`. */
export function initializerBytes(model: Model, skip: ReadonlySet<string> = new Set()): { bytes: number; count: number } {
  let bytes = 0;
  let count = 0;
  for (const [name, v] of model.graph.initializers) {
    const t = v.initializer;
    if (t === undefined || skip.has(name)) continue;
    bytes += t.size * dtypeBytes(t.dtype);
    count += t.size;
  }
  return { bytes, count };
}

export function packedSize(deployed: DeployedBinary, float: Model): PackedSize {
  const skip = new Set(deployed.layers.flatMap((l) => (l.scale === undefined ? [l.weight] : [l.weight, l.scale])));
  const rest = initializerBytes(deployed.model, skip);
  const bytes = deployed.layers.reduce((a, l) => a + layerBytes(l), 0) + rest.bytes;
  const floatBytes = initializerBytes(float).bytes;
  return {
    bytes, floatBytes, ratio: floatBytes / bytes,
    quantizedParams: deployed.layers.reduce((a, l) => a + l.params, 0),
    otherParams: rest.count,
  };
}
