/**
 * The shape-rule contract. A rule sees one node through a RuleContext (shapes, dtypes and, when known,
 * the contents of small constant inputs) and returns what it can say about each output. Rules never
 * mutate the graph; the engine in `infer-shapes.ts` records their answers.
 */
import type { DType } from '../../ir/dtype.js';
import type { Node } from '../../ir/node.js';
import type { Dim, Shape } from '../../ir/shape.js';

/** What is known about one value. `value` holds the contents of small int / float constants, flattened. */
export interface ValueInfo {
  readonly dtype?: DType | undefined;
  readonly shape?: Shape | undefined;
  /** Known contents (row-major). Entries may be symbolic (e.g. a Shape output holding 'N') or null. */
  readonly value?: readonly Dim[] | undefined;
}

export interface RuleContext {
  readonly node: Node;
  /** ai.onnx opset of the model. */
  readonly opset: number;
  /** Number of inputs present (trailing omitted inputs excluded). */
  readonly numInputs: number;
  /** Number of output slots of the node. */
  readonly numOutputs: number;
  /** Whether optional input i is present. */
  has(i: number): boolean;
  shape(i: number): Shape | undefined;
  dtype(i: number): DType | undefined;
  /** Known contents of input i (constant initializer, Constant node or folded shape computation). */
  value(i: number): readonly Dim[] | undefined;
  /** Known contents of input i when every entry is a number (int or float constants). */
  numbers(i: number): number[] | undefined;
  /** Throws a ShapeError naming this node. */
  fail(message: string): never;
}

export type ShapeRule = (ctx: RuleContext) => readonly ValueInfo[];
export type RuleTable = Readonly<Record<string, ShapeRule>>;
