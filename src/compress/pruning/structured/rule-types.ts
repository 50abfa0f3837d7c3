/** The contract of a per-op channel-pruning rule (see channel-rules.ts for the table). */
import type { Graph } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import type { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import type { SliceRole } from './types.js';

/** What a rule sees while the dependency graph is built (nodes are visited in topological order). */
export interface PropagateContext {
  readonly node: Node;
  /** Channel element ids of input i's axis 1, per position; undefined when the input carries no tracked channels. */
  ids(i: number): Int32Array | undefined;
  /** Static shape of input i (batch set to 1); undefined when unknown. */
  inShape(i: number): readonly number[] | undefined;
  /** Static shape of output k (batch set to 1); undefined when unknown. */
  outShape(k: number): readonly number[] | undefined;
  /** The initializer read at input i (undefined for activations and Constant-node outputs). */
  constant(i: number): Tensor | undefined;
  /** Output k carries `count` new channels created by this node. */
  fresh(k: number, count: number): void;
  /** Output k carries these channels, position by position. */
  share(k: number, ids: Int32Array): void;
  /** The two arrays' channels are coupled position by position (e.g. the inputs of an Add). */
  union(a: Int32Array, b: Int32Array): void;
  /** Axis `axis` of the initializer at input slot `input` lines up with axis 1 of `on` (an input or output). */
  slice(input: number, axis: number, role: SliceRole, on: Value): void;
  /** This node cannot be pruned through: every group touching it is blocked with this reason. */
  block(reason: string): void;
}

/** What a rule sees after the parameter slices were removed. */
export interface FinishContext {
  readonly node: Node;
  readonly graph: Graph;
  /** Positions of v's axis 1 still present after pruning (v's size before pruning when none were removed). */
  kept(v: Value): number;
  /** Whether any position of v's axis 1 was removed. */
  changed(v: Value): boolean;
}

/**
 * How one op type carries channels: which inputs and outputs share channel axes and how to adjust the node after
 * pruning.
 */
export interface ChannelRule {
  /** Declares how channels flow through the node and which parameter axes line up with them. */
  readonly propagate: (ctx: PropagateContext) => void;
  /** Adjusts attributes or shape constants after pruning (parameter slicing itself is generic). */
  readonly finish?: (ctx: FinishContext) => void;
}
