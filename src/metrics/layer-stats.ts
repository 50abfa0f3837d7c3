/**
 * Per-layer and whole-model statistics: parameters, nonzero parameters, MACs, element ops and activation
 * memory. Shapes come from `inferValueInfo` run on the model as given (nothing is written back); a
 * symbolic or unknown leading dim of each model input is taken to be `batchSize` (default 1), and
 * `inputShapes` pins any other input dims. Other symbols stay unknown: layers whose costs need them report
 * `shapesKnown: false` and count 0 MACs. Ops without a cost rule count 0 and are listed in `uncounted`
 * (never a throw, so inspection works on any model). See `mac-rules.ts` for the MAC / element-op
 * convention and `params.ts` for what counts as a parameter.
 */
import { dtypeBytes } from '../ir/dtype.js';
import type { Model } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Shape } from '../ir/shape.js';
import type { Value } from '../ir/value.js';
import { inferValueInfo } from '../passes/infer-shapes.js';
import { SHAPE_RULES, type ValueInfo } from '../passes/shape-rules/index.js';
import { batchInputShapes, numericShape } from '../passes/specialize-shapes.js';
import { activationPeak } from './activations.js';
import { MAC_RULES, type MacContext } from './mac-rules.js';
import { countNonzero, parameterInputs } from './params.js';

/**
 * Statistics of one node: op, output shape, parameters (total, non-zero, bytes), MACs, element ops and output
 * activation size.
 */
export interface LayerStat {
  readonly name: string;
  readonly op: string;
  /** Shape of the first output (batch resolved). */
  readonly outputShape: Shape | undefined;
  readonly params: number;
  readonly nonzeroParams: number;
  /** Bytes of this layer's parameter tensors in their stored dtypes. */
  readonly paramBytes: number;
  readonly macs: number;
  readonly elementOps: number;
  /** Elements / bytes of all outputs (unknown shapes count 0). */
  readonly activationElements: number;
  readonly activationBytes: number;
  /** False when the op has no cost rule (its MACs are not counted). */
  readonly counted: boolean;
  /** False when a shape the cost rule needs is unknown. */
  readonly shapesKnown: boolean;
}

/** Options of `modelStats`: the batch size substituted for symbolic leading dims and input shapes. */
export interface StatsOptions {
  /** Value of a symbolic / unknown leading (batch) dim of the model inputs (default 1). */
  readonly batchSize?: number;
  /** Shapes for model inputs, applied after the batch substitution. */
  readonly inputShapes?: Readonly<Record<string, Shape>>;
}

/**
 * Statistics of a whole model (`modelStats`): totals of parameters, MACs, element ops and activation memory, plus one
 * `LayerStat` per node.
 */
export interface ModelStats {
  readonly params: number;
  readonly nonzeroParams: number;
  readonly macs: number;
  readonly elementOps: number;
  /** Sum over all node outputs. */
  readonly activationElements: number;
  readonly activationBytes: number;
  /** Largest total of simultaneously live activations, running nodes in order (graph inputs included). */
  readonly peakActivationBytes: number;
  /** params × 4: the model's size as dense float32. */
  readonly denseFp32Bytes: number;
  /** Bytes of the parameter tensors in their stored dtypes. */
  readonly storedBytes: number;
  /** Bytes of every initializer (parameters plus shape / scale constants), as stored. */
  readonly initializerBytes: number;
  /** Op types without a cost rule (MACs counted as 0), sorted. */
  readonly uncounted: readonly string[];
  /** Nodes whose costs could not be computed because a shape is unknown. */
  readonly unknownShapes: readonly string[];
  readonly batchSize: number;
  readonly layers: readonly LayerStat[];
}

/** Bytes of one value from inferred info (0 when its shape is not static). */
export function valueBytes(info: ValueInfo | undefined): { elements: number; bytes: number } {
  const s = numericShape(info?.shape);
  if (s === undefined) return { elements: 0, bytes: 0 };
  const elements = s.reduce((a, b) => a * b, 1);
  return { elements, bytes: elements * dtypeBytes(info?.dtype ?? 'float32') };
}

/** One row per node of the main graph, in node order. */
export function layerStats(model: Model, opts: StatsOptions = {}): LayerStat[] {
  return computeRows(model, opts).layers;
}

function computeRows(model: Model, opts: StatsOptions): { known: Map<Value, ValueInfo>; layers: LayerStat[] } {
  const given = opts.inputShapes === undefined ? {} : { inputShapes: opts.inputShapes };
  const batch = { batch: opts.batchSize ?? 1, ...given };
  const known = inferValueInfo(model, { inputShapes: batchInputShapes(model, batch) });
  const seen = new Set<Value>();
  return { known, layers: model.graph.nodes.map((node) => layerRow(node, known, seen)) };
}

function layerRow(node: Node, known: ReadonlyMap<Value, ValueInfo>, seen: Set<Value>): LayerStat {
  const shapeOf = (v: Value | undefined): readonly number[] | undefined =>
    (v === undefined ? undefined : numericShape(known.get(v)?.shape ?? v.shape));
  const ctx: MacContext = { node, inShape: (i) => shapeOf(node.inputs[i]), outShape: (k) => shapeOf(node.outputs[k]) };
  const rule = MAC_RULES.get(node.opType);
  const cost = rule?.(ctx);
  let params = 0;
  let nonzeroParams = 0;
  let paramBytes = 0;
  for (const [v, t] of parameterInputs(node, rule !== undefined || SHAPE_RULES.has(node.opType))) {
    if (seen.has(v)) continue;
    seen.add(v);
    params += t.size;
    nonzeroParams += countNonzero(t);
    paramBytes += t.size * dtypeBytes(t.dtype);
  }
  let activationElements = 0;
  let activationBytes = 0;
  if (node.opType !== 'Constant') {
    for (const o of node.outputs) {
      const { elements, bytes } = valueBytes(known.get(o));
      activationElements += elements;
      activationBytes += bytes;
    }
  }
  const first = node.outputs[0];
  return {
    name: node.name, op: node.opType, outputShape: first === undefined ? undefined : known.get(first)?.shape,
    params, nonzeroParams, paramBytes, macs: cost?.macs ?? 0, elementOps: cost?.elementOps ?? 0,
    activationElements, activationBytes, counted: rule !== undefined, shapesKnown: rule === undefined || cost !== undefined,
  };
}

/** Whole-model totals (and the per-layer rows they sum). */
export function modelStats(model: Model, opts: StatsOptions = {}): ModelStats {
  const { known, layers } = computeRows(model, opts);
  const sum = (f: (l: LayerStat) => number): number => layers.reduce((a, l) => a + f(l), 0);
  let initializerBytes = 0;
  for (const v of model.graph.initializers.values()) {
    const t = v.initializer;
    if (t !== undefined) initializerBytes += t.size * dtypeBytes(t.dtype);
  }
  const params = sum((l) => l.params);
  return {
    params,
    nonzeroParams: sum((l) => l.nonzeroParams),
    macs: sum((l) => l.macs),
    elementOps: sum((l) => l.elementOps),
    activationElements: sum((l) => l.activationElements),
    activationBytes: sum((l) => l.activationBytes),
    peakActivationBytes: activationPeak(model.graph, (v) => valueBytes(known.get(v)).bytes),
    denseFp32Bytes: params * 4,
    storedBytes: sum((l) => l.paramBytes),
    initializerBytes,
    uncounted: [...new Set(layers.filter((l) => !l.counted).map((l) => l.op))].sort(),
    unknownShapes: layers.filter((l) => !l.shapesKnown).map((l) => l.name),
    batchSize: opts.batchSize ?? 1,
    layers,
  };
}
