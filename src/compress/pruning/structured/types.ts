/**
 * The dependency graph of structured (channel) pruning, as data.
 *
 * A *channel* here is one coupled class of channel positions: conv1's output channel 3, the BatchNorm
 * parameters at 3, the ReLU output at 3 and column block 3 of the next layer's weight are one channel,
 * because removing any of them forces removing all. A *group* gathers the channels created by the same
 * set of producers (one conv, or every conv feeding a residual Add chain); it is the unit the policy gives
 * a pruning ratio. A value can hold channels of several groups (a Concat output) and a weight axis can map
 * onto several groups (the consumer of a Concat), which is why every mapping below is per position.
 */
import type { Model } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import type { Value } from '../../../ir/value.js';

/**
 * What a parameter slice is, for importance criteria:
 *  - 'out': a filter / output unit of the layer producing the channel (Conv W axis 0, Gemm rows);
 *  - 'in': the weights a consumer applies to the channel (next Conv W axis 1, Gemm input columns);
 *  - 'bn-scale': a BatchNormalization γ;
 *  - 'param': any other per-channel constant (biases, BN β / mean / var, per-channel Add / Mul constants).
 */
export type SliceRole = 'out' | 'in' | 'bn-scale' | 'param';

/** One axis of a constant node input whose positions map onto channels. */
export interface ParamSlice {
  readonly node: Node;
  /** Input slot of `node` holding the constant (an initializer). */
  readonly input: number;
  /** Axis of that tensor. */
  readonly axis: number;
  readonly role: SliceRole;
  /** The activation whose channel axis (axis 1) lines up position by position with `axis`. */
  readonly value: Value;
  /** Per position along `axis`: the channel's index within the group, or -1 (another group's position). */
  readonly channel: Int32Array;
}

/** An activation carrying the group's channels on its axis 1. */
export interface GroupValue {
  readonly value: Value;
  /** Per position along axis 1: the channel's index within the group, or -1. */
  readonly channel: Int32Array;
}

/** Why a group cannot be pruned. */
export interface BlockReason {
  readonly groupId: number;
  readonly opType: string;
  readonly nodeName: string;
  readonly reason: string;
}

/**
 * Channels that must be pruned together: the nodes producing and reading them, the parameter slices and the values that
 * carry them, or why pruning them is blocked.
 */
export interface ChannelGroup {
  readonly id: number;
  /** A readable name: the first producing node's name (used as key of per-layer ratio maps). */
  readonly name: string;
  /** Number of channels. */
  readonly size: number;
  /** Nodes creating the group's channels or holding their filters (Conv / Gemm / depthwise Conv), in graph order. */
  readonly sources: readonly Node[];
  /** Every node producing or reading an activation that carries the group's channels, in graph order. */
  readonly nodes: readonly Node[];
  readonly slices: readonly ParamSlice[];
  readonly values: readonly GroupValue[];
  /** Empty when the group can be pruned. */
  readonly blocked: readonly BlockReason[];
}

/** The analysed model: its groups, and for each channel-carrying value its (group, channel) per position. */
export interface DependencyGraph {
  readonly model: Model;
  readonly groups: readonly ChannelGroup[];
  /** Per value: group id and channel index for each position of axis 1. */
  readonly channelsOf: ReadonlyMap<Value, { readonly group: Int32Array; readonly channel: Int32Array }>;
}

/** Channels to remove, by group id (indices within the group). */
export type RemovalPlan = ReadonlyMap<number, readonly number[]>;
