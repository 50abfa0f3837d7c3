/**
 * Which initializers of a model are trainable parameters, and which are state buffers.
 *
 * Trainable by default: float initializers read by a parameterised op at a weight position — Conv /
 * ConvTranspose (weight, bias), Gemm / MatMul (either operand), BatchNormalization (scale, bias), PRelu
 * (slope), DFT (a constant signal, e.g. a circulant layer's vector) — and float initializers of 2+ elements
 * added to / multiplied with an activation (the bias and scale of exported MatMul + Add layers).
 * BatchNormalization running mean / variance are buffers.
 */
import { isFloatDType } from '../ir/dtype.js';
import type { Graph } from '../ir/graph.js';
import type { Value } from '../ir/value.js';

const WEIGHT_SLOTS: Readonly<Record<string, readonly number[]>> = {
  Conv: [1, 2],
  ConvTranspose: [1, 2],
  Gemm: [0, 1, 2],
  MatMul: [0, 1],
  BatchNormalization: [1, 2],
  PRelu: [1],
  DFT: [0],
  Add: [0, 1],
  Mul: [0, 1],
};

function isFloatInitializer(v: Value): boolean {
  return v.initializer !== undefined && isFloatDType(v.initializer.dtype);
}

/** Float initializers the default rule treats as trainable, in initializer order. */
export function defaultTrainableParams(graph: Graph): Value[] {
  const out: Value[] = [];
  for (const v of graph.initializers.values()) {
    if (!isFloatInitializer(v) || v.uses.length === 0) continue;
    const buffer = v.uses.some((u) => u.node.opType === 'BatchNormalization' && u.index >= 3);
    if (buffer) continue;
    const weightLike = v.uses.every((u) => {
      const slots = WEIGHT_SLOTS[u.node.opType];
      if (slots === undefined || !slots.includes(u.index)) return false;
      if (u.node.opType === 'Add' || u.node.opType === 'Mul') return (v.initializer?.size ?? 0) >= 2;
      return true;
    });
    if (weightLike) out.push(v);
  }
  return out;
}

/** BatchNormalization running mean / variance initializers, in initializer order. */
export function batchNormBuffers(graph: Graph): Value[] {
  return [...graph.initializers.values()].filter(
    (v) => isFloatInitializer(v) && v.uses.some((u) => u.node.opType === 'BatchNormalization' && u.index >= 3),
  );
}
