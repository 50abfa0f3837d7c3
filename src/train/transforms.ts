/**
 * Forward-pass transforms of weights and activations (quantizers, binarizers, low-rank or shared-weight
 * reconstructions) and how they are inserted into the training graph and the inference model.
 *
 * A transform appends nodes computing the value the forward pass uses. Its backward is autodiff of those
 * nodes (default), the identity (straight-through estimator) or a custom gradient function. Inside its
 * nodes a transform may also declare straight-through edges of its own (e.g. sign(w) whose gradient is the
 * hardtanh STE, while a scale computed from w is differentiated normally) and own trainable parameters
 * (e.g. TTQ's learned scales): `TransformContext`.
 */
import type { StraightThrough } from '../autodiff/backward.js';
import type { GraphBuilder } from '../ir/builder.js';
import { SlimnetError } from '../ir/errors.js';
import { isFloatDType } from '../ir/dtype.js';
import type { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import type { ParamRef } from './regularizers.js';

/** What a transform can do besides appending nodes. */
export interface TransformContext {
  /** True while the training graph is built, false for the inference model (e.g. stochastic → deterministic). */
  readonly training: boolean;
  /**
   * Adds a trainable parameter owned by the transform, with its initial value, and returns the value to
   * read. It is an initializer of the inference model (same name) and trained like any other parameter.
   */
  param(name: string, init: Tensor): Value;
  /** Declares that the gradient reaching `output` goes to `input` (through `grad`, else unchanged). */
  straightThrough(input: Value, output: Value, grad?: StraightThrough['grad']): void;
}

/** Bounds a stored weight is clipped to after every update (BinaryConnect keeps real weights in [-H, H]). */
export interface Clamp {
  readonly min: number;
  readonly max: number;
}

/**
 * A transform of a weight or an activation: the forward pass uses `forward(b, x, ctx)` instead of x.
 * Returning x itself inserts nothing (e.g. a training-only transform building the inference model).
 */
export interface WeightTransform {
  /** Appends nodes computing the value the forward pass uses from x. */
  readonly forward: (b: GraphBuilder, x: Value, ctx: TransformContext) => Value;
  /**
   * Gradient of x: 'autodiff' (default) differentiates the forward nodes (honouring the straight-through
   * edges they declared); 'identity' is the straight-through estimator; a function maps the transformed
   * value's gradient to x's gradient.
   */
  readonly backward?: 'autodiff' | 'identity' | ((b: GraphBuilder, dOut: Value, x: Value) => Value);
  /** Weights only: clip the stored weight to these bounds after every update. */
  readonly clamp?: Clamp;
}

/** Same contract for activations. */
export type ValueTransform = WeightTransform;

/** Chooses the weight transform (e.g. a fake quantizer) applied to a parameter in the forward pass, or none. */
export type TransformSelector = (p: ParamRef) => WeightTransform | undefined;

/** One edge of the graph into a node input that is an activation (not an initializer). */
export interface ActivationRef {
  /** Name of the activation value. */
  readonly name: string;
  readonly value: Value;
  /** The node producing it (absent for graph inputs). */
  readonly producer?: { readonly name: string; readonly opType: string };
  /** The node reading it, and at which input slot. */
  readonly consumer: { readonly name: string; readonly opType: string };
  readonly index: number;
}

/**
 * Chooses the transform of an activation edge. Edges of one value for which the selector returns the
 * same transform object share one inserted copy of its nodes.
 */
export type ActivationSelector = (a: ActivationRef) => ValueTransform | undefined;

/** Collects what transforms declare while being inserted. */
export class TransformRecorder implements TransformContext {
  readonly training: boolean;
  /** Straight-through edges for addBackward (recorded only when training). */
  readonly edges: StraightThrough[] = [];
  /** Parameters added by transforms. */
  readonly params: Value[] = [];
  /** Clamps by weight name. */
  readonly clamps = new Map<string, Clamp>();
  private readonly b: GraphBuilder;
  private readonly lift: (v: Value) => void;

  /** `lift` turns a new parameter into what the graph needs (a graph input in the training graph). */
  constructor(b: GraphBuilder, training: boolean, lift: (v: Value) => void = () => undefined) {
    this.b = b;
    this.training = training;
    this.lift = lift;
  }

  param(name: string, init: Tensor): Value {
    const g = this.b.graph;
    if (g.valuesByName().has(name)) throw new SlimnetError('INVALID_ARGUMENT', `transform parameter '${name}' clashes with an existing value of graph '${g.name}'`);
    const v = g.addInitializer(name, init);
    this.lift(v);
    this.params.push(v);
    return v;
  }

  straightThrough(input: Value, output: Value, grad?: StraightThrough['grad']): void {
    if (this.training) this.edges.push(grad === undefined ? { input, output } : { input, output, grad });
  }
}

/** Applies one transform to x and records its backward; returns the new value (or x when nothing was inserted). */
export function applyTransform(b: GraphBuilder, t: WeightTransform, x: Value, ctx: TransformRecorder): Value {
  const out = t.forward(b, x, ctx);
  if (out === x) return x;
  out.dtype ??= x.dtype;
  out.shape ??= x.shape;
  const back = t.backward ?? 'autodiff';
  if (back === 'identity') ctx.straightThrough(x, out);
  else if (back !== 'autodiff') ctx.straightThrough(x, out, back);
  return out;
}

/**
 * Inserts each selected transform between a weight and its consumers and sorts the graph topologically.
 * Returns the straight-through edges for addBackward (also in `ctx.edges`).
 */
export function insertTransforms(
  b: GraphBuilder,
  weights: readonly Value[],
  select: TransformSelector | undefined,
  ctx: TransformRecorder = new TransformRecorder(b, true),
): StraightThrough[] {
  if (select === undefined) return ctx.edges;
  for (const w of weights) {
    const t = select(paramRefOf(w));
    if (t === undefined) continue;
    const uses = [...w.uses];
    const out = applyTransform(b, t, w, ctx);
    if (t.clamp !== undefined) ctx.clamps.set(w.name, t.clamp);
    if (out !== w) for (const u of uses) u.node.setInput(u.index, out);
  }
  b.graph.sortTopologically();
  return ctx.edges;
}

/**
 * Inserts activation transforms on the selected edges (float node inputs that are neither initializers
 * nor in `exclude`), then sorts the graph. Returns the straight-through edges (also in `ctx.edges`).
 */
export function insertActivationTransforms(
  b: GraphBuilder,
  select: ActivationSelector | undefined,
  ctx: TransformRecorder,
  exclude: ReadonlySet<Value> = new Set(),
): StraightThrough[] {
  if (select === undefined) return ctx.edges;
  // value -> transform -> setters rewiring the edges that chose it
  const chosen = new Map<Value, Map<ValueTransform, Array<(nv: Value) => void>>>();
  for (const node of b.graph.nodes) {
    node.inputs.forEach((v, index) => {
      if (v === undefined || v.initializer !== undefined || exclude.has(v) || v.dtype === undefined || !isFloatDType(v.dtype)) return;
      const producer = v.producer === undefined ? {} : { producer: { name: v.producer.name, opType: v.producer.opType } };
      const t = select({ name: v.name, value: v, ...producer, consumer: { name: node.name, opType: node.opType }, index });
      if (t === undefined) return;
      const byT = chosen.get(v) ?? new Map();
      chosen.set(v, byT);
      const list = byT.get(t) ?? [];
      byT.set(t, list);
      list.push((nv: Value) => node.setInput(index, nv));
    });
  }
  for (const [v, byT] of chosen) {
    for (const [t, setters] of byT) {
      const out = applyTransform(b, t, v, ctx);
      if (out !== v) for (const set of setters) set(out);
    }
  }
  b.graph.sortTopologically();
  return ctx.edges;
}

/** The ParamRef of a weight value. */
export function paramRefOf(v: Value): ParamRef {
  const dims = (v.initializer?.dims ?? v.shape ?? []).map((d) => (typeof d === 'number' ? d : 0));
  return { name: v.name, value: v, dims, uses: v.uses.map((u) => ({ opType: u.node.opType, index: u.index })) };
}
