/**
 * ShuffleNet's channel shuffle as plain ONNX: Reshape [N, C, H, W] -> [N, g, C/g, H, W], Transpose the two
 * group axes, Reshape back. Channel j of group i (position i·C/g + j) moves to position j·g + i, so the
 * next grouped convolution sees one channel from every group of the previous one.
 */
import type { GraphBuilder } from '../ir/builder.js';
import { SlimnetError } from '../ir/errors.js';
import type { Dim } from '../ir/shape.js';
import type { Value } from '../ir/value.js';

/** Position that input channel `c` takes after a shuffle of `channels` channels in `groups` groups. */
export function shuffledPosition(c: number, channels: number, groups: number): number {
  const per = channels / groups;
  return (c % per) * groups + Math.floor(c / per);
}

/**
 * Appends the shuffle of `x` (static per-sample shape [C, H, W], batch dim `batch`) and returns its output.
 * The reshape targets copy the batch dimension (0), so any batch size works.
 */
export function channelShuffle(b: GraphBuilder, x: Value, groups: number, chw: readonly [number, number, number], name: string, batch: Dim = 'N'): Value {
  const [c, h, w] = chw;
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0) {
    throw new SlimnetError('INVALID_ARGUMENT', `${name}: cannot shuffle ${c} channels in ${groups} groups (groups must divide the channels)`);
  }
  const split = b.op('Reshape', [x, b.constInt64([0, groups, c / groups, h, w], [5], `${name}.shuffle_split_shape`)], {}, { name: `${name}.shuffle_split` });
  const swapped = b.op('Transpose', [split], { perm: [0, 2, 1, 3, 4] }, { name: `${name}.shuffle_transpose` });
  const merged = b.op('Reshape', [swapped, b.constInt64([0, c, h, w], [4], `${name}.shuffle_merge_shape`)], {}, { name: `${name}.shuffle_merge` });
  split.dtype = 'float32';
  split.shape = [batch, groups, c / groups, h, w];
  swapped.dtype = 'float32';
  swapped.shape = [batch, c / groups, groups, h, w];
  merged.dtype = 'float32';
  merged.shape = [batch, c, h, w];
  return merged;
}
