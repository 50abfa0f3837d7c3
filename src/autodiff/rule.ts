/**
 * The gradient-rule contract. A rule sees one forward node and the gradients reaching its outputs, and
 * emits ONNX nodes (through `ctx.b`) computing the gradient of each input. Rules read like the
 * derivative on paper; shape bookkeeping lives in the context helpers.
 */
import type { AttributeInput } from '../ir/attributes.js';
import type { GraphBuilder } from '../ir/builder.js';
import type { Node } from '../ir/node.js';
import type { Shape } from '../ir/shape.js';
import type { Value } from '../ir/value.js';

/**
 * What a gradient rule sees: the builder, the forward node, incoming output gradients, and helpers to emit backward
 * nodes and accumulate input gradients.
 */
export interface GradContext {
  /** Builder appending backward nodes to the graph being differentiated. */
  readonly b: GraphBuilder;
  /** The forward node. */
  readonly node: Node;
  /** ai.onnx opset of the model (emitted nodes must be valid at this opset). */
  readonly opset: number;
  /** Gradient reaching output i (default 0), or undefined when none does. */
  dOut(i?: number): Value | undefined;
  /** Whether input i needs a gradient (it depends on a parameter and is floating point). */
  needs(i: number): boolean;
  /** Adds a backward node with one output (name derived from the forward node). */
  op(opType: string, inputs: ReadonlyArray<Value | undefined>, attrs?: Readonly<Record<string, AttributeInput>>): Value;
  /** A scalar constant of the node's float type (float32, or float64 in float64 graphs). */
  scalar(value: number): Value;
  /** An int64 1-D constant. */
  ints(values: readonly number[]): Value;
  /** Sum over `axes` (opset-correct form). */
  reduceSum(x: Value, axes: readonly number[], keepdims: boolean): Value;
  /** Reshape to a static shape (0 / -1 allowed) or to a runtime shape value. */
  reshape(x: Value, shape: readonly number[] | Value): Value;
  /** Runtime shape of v (an int64 1-D value). */
  shapeOf(v: Value): Value;
  /**
   * Undoes numpy broadcasting: sums `grad` (whose shape is `from`, by default the node's first output's
   * shape) over the axes that were broadcast so the result has the shape of `like`.
   */
  unbroadcast(grad: Value, like: Value, from?: Shape): Value;
}

/** Returns one entry per forward input: its gradient, or undefined when it has none / needs none. */
export type GradientRule = (ctx: GradContext) => ReadonlyArray<Value | undefined>;

/** A table of rules keyed by op type. */
export type GradientTable = Readonly<Record<string, GradientRule>>;
