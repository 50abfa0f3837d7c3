/**
 * The fully-connected layers a weight-sharing rewrite can target: Gemm (transA = 0) and MatMul nodes whose
 * weight (input 1) is a float32 rank-2 initializer read by that node only. The stored weight is either
 * [out, in] (Gemm transB = 1) or [in, out] (Gemm transB = 0, MatMul).
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import type { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';

/** A fully-connected layer eligible for weight sharing: its Gemm / MatMul node, weight and sizes. */
export interface FcLayer {
  /** The Gemm / MatMul node. */
  readonly node: Node;
  /** Its weight initializer. */
  readonly weight: Value;
  readonly tensor: Tensor;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** True when the stored weight is [out, in] (Gemm transB = 1). */
  readonly outMajor: boolean;
}

/** Which fully-connected layers a sharing method rewrites: by node or weight name. */
export interface FcSelection {
  /** Only these layers, by node or weight-initializer name (default: every eligible layer). */
  readonly only?: readonly string[];
  /** Skip these layers, by node or weight-initializer name. */
  readonly exclude?: readonly string[];
}

function eligible(node: Node): FcLayer | undefined {
  if (node.opType !== 'Gemm' && node.opType !== 'MatMul') return undefined;
  const w = node.inputs[1];
  const t = w?.initializer;
  if (w === undefined || t === undefined || t.dtype !== 'float32' || t.rank !== 2 || w.uses.length !== 1) return undefined;
  if (node.opType === 'Gemm' && node.attrInt('transA', 0) !== 0) return undefined;
  const outMajor = node.opType === 'Gemm' && node.attrInt('transB', 0) === 1;
  const [d0, d1] = t.dims as [number, number];
  return { node, weight: w, tensor: t, inFeatures: outMajor ? d1 : d0, outFeatures: outMajor ? d0 : d1, outMajor };
}

/** The eligible fully-connected layers in node order; a name in `only` / `exclude` that matches none throws. */
export function fcLayers(model: Model, sel: FcSelection = {}): FcLayer[] {
  const all = model.graph.nodes.map(eligible).filter((l): l is FcLayer => l !== undefined);
  const names = (l: FcLayer): string[] => [l.node.name, l.weight.name];
  for (const n of [...(sel.only ?? []), ...(sel.exclude ?? [])]) {
    if (!all.some((l) => names(l).includes(n))) {
      const known = all.map((l) => l.node.name).join(', ') || 'none';
      throw new SlimnetError('INVALID_ARGUMENT', `'${n}' is not a fully-connected layer with an initializer weight (eligible: ${known})`);
    }
  }
  return all.filter((l) => (sel.only === undefined || names(l).some((n) => sel.only?.includes(n))) && !names(l).some((n) => sel.exclude?.includes(n)));
}

/** Element (i, j) of the weight in [out, in] orientation, from the stored tensor. */
export function weightAt(l: FcLayer, data: Float32Array, i: number, j: number): number {
  return (l.outMajor ? data[i * l.inFeatures + j] : data[j * l.outFeatures + i]) as number;
}
