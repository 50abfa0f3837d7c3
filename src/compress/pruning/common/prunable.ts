/**
 * Which initializers of a model are prunable weights: float32 initializers read as the weight (input 1)
 * of Conv / ConvTranspose / Gemm / MatMul with rank >= 2; optionally their biases (Conv / Gemm input 2, or
 * the 1-D constant of an `Add` right after a MatMul). Each tensor is listed once, in graph node order.
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import type { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';

/** Layer ops whose weights are prunable. */
export const WEIGHT_OPS: readonly string[] = ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'];

/** A prunable weight: its initializer, tensor, the layer node reading it, the layer kind and role. */
export interface PrunableWeight {
  /** Initializer name (the key of masks and per-layer options). */
  readonly name: string;
  readonly value: Value;
  /** The float32 tensor (mutated in place by pruning transforms applied to a cloned model). */
  readonly tensor: Tensor;
  /** The layer node reading it. */
  readonly node: Node;
  /** 'conv' for Conv / ConvTranspose, 'fc' for Gemm / MatMul. */
  readonly kind: 'conv' | 'fc';
  readonly role: 'weight' | 'bias';
}

/** Which weights count as prunable: biases or not, names to include or exclude. */
export interface PrunableOptions {
  /** Also list biases (default false: Han et al. prune weights only). */
  readonly includeBiases?: boolean;
  /** Only these initializer or layer-node names (default: all). */
  readonly only?: readonly string[];
  /** Skip these initializer or layer-node names. */
  readonly exclude?: readonly string[];
}

function float32Init(v: Value | undefined): Tensor | undefined {
  const t = v?.initializer;
  return t !== undefined && t.dtype === 'float32' ? t : undefined;
}

/** The prunable weights (and optionally biases) of `model`. Unknown names in `only` / `exclude` throw. */
export function prunableWeights(model: Model, opts: PrunableOptions = {}): PrunableWeight[] {
  const out: PrunableWeight[] = [];
  const seen = new Set<Value>();
  const push = (v: Value | undefined, node: Node, role: 'weight' | 'bias'): void => {
    const t = float32Init(v);
    if (v === undefined || t === undefined || seen.has(v)) return;
    if (role === 'weight' && t.rank < 2) return;
    seen.add(v);
    out.push({ name: v.name, value: v, tensor: t, node, kind: node.opType.startsWith('Conv') ? 'conv' : 'fc', role });
  };
  for (const node of model.graph.nodes) {
    if (!WEIGHT_OPS.includes(node.opType)) continue;
    push(node.inputs[1], node, 'weight');
    if (opts.includeBiases !== true) continue;
    if (node.opType !== 'MatMul') push(node.inputs[2], node, 'bias');
    else {
      const add = node.output().uses.length === 1 ? node.output().uses[0]?.node : undefined;
      if (add?.opType === 'Add') push(add.inputs.find((x) => x !== node.output() && float32Init(x)?.rank === 1), node, 'bias');
    }
  }
  const names = new Set(out.flatMap((w) => [w.name, w.node.name]));
  for (const n of [...(opts.only ?? []), ...(opts.exclude ?? [])]) {
    if (!names.has(n)) {
      throw new SlimnetError('INVALID_ARGUMENT', `'${n}' is not a prunable weight or layer of model '${model.graph.name}' (prunable: ${out.map((w) => w.name).join(', ')})`);
    }
  }
  const match = (w: PrunableWeight, list: readonly string[]): boolean => list.includes(w.name) || list.includes(w.node.name);
  return out.filter((w) => (opts.only === undefined || match(w, opts.only)) && !match(w, opts.exclude ?? []));
}

/** Looks a per-layer option up by initializer name, then by layer-node name. */
export function perLayer<T>(map: Readonly<Record<string, T>> | undefined, w: PrunableWeight): T | undefined {
  if (map === undefined) return undefined;
  return map[w.name] ?? map[w.node.name];
}
