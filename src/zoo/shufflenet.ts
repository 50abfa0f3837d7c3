/**
 * ShuffleNet-v1-style network (Zhang et al. 2018) for small inputs. A 3x3 stem (stride 1: 28x28 stays
 * 28x28), then stages of ShuffleNet units:
 *   stride 1: grouped 1x1 conv + BN + ReLU, channel shuffle, 3x3 depthwise conv + BN, grouped 1x1 conv + BN,
 *             added to the input, ReLU;
 *   stride 2: the same branch with a stride-2 depthwise conv, concatenated with a 3x3 stride-2 average pool
 *             of the input, ReLU (the branch produces out − in channels).
 * The bottleneck has a quarter of the unit's output channels; as in the paper, the first unit's first 1x1
 * conv is not grouped (its input, the stem, has few channels). Global average pooling and an fc classifier
 * end the net. Channel counts are scaled by the width multiplier and rounded to multiples of `groups`.
 */
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import { NetBuilder, type Act } from './layers.js';
import { resolveZooOptions, type ZooOptions } from './options.js';

/** Output channels per stage at width 1 by group count (the paper's table 1), and the stem's channels. */
export const SHUFFLENET_CHANNELS: Readonly<Record<number, readonly [number, number, number]>> = {
  1: [144, 288, 576], 2: [200, 400, 800], 3: [240, 480, 960], 4: [272, 544, 1088], 8: [384, 768, 1536],
};
const STEM_CHANNELS = 24;

/** Units per stage (each stage's first unit has stride 2): 28x28 -> 14x14 -> 7x7 -> 4x4. */
export const SHUFFLENET_SMALL_REPEATS: readonly number[] = [2, 4, 2];

/** Options of `shufflenet`: groups of the 1x1 convolutions and units per stage. */
export interface ShuffleNetOptions extends ZooOptions {
  /** Groups of the 1x1 convolutions (1, 2, 3, 4 or 8; default 3). */
  readonly groups?: number;
  /** Units per stage (default SHUFFLENET_SMALL_REPEATS; at most 3 stages). */
  readonly repeats?: readonly number[];
}

/** n·width rounded to a positive multiple of g. */
function roundTo(n: number, g: number): number {
  return Math.max(g, Math.round(n / g) * g);
}

function unit(n: NetBuilder, x: Act, name: string, cout: number, stride: 1 | 2, groups: number, groupFirst: boolean): Act {
  const cin = x.shape[0] as number;
  const mid = roundTo(cout / 4, groups);
  const first = groupFirst ? groups : 1;
  let y = n.conv(x, `${name}.gconv1`, mid, 1, { group: first, bias: false });
  y = n.relu(n.batchNorm(y, `${name}.bn1`));
  if (first > 1) y = n.channelShuffle(y, groups, name);
  y = n.conv(y, `${name}.dwconv`, mid, 3, { stride, pad: 1, group: mid, bias: false });
  y = n.batchNorm(y, `${name}.bn2`);
  y = n.conv(y, `${name}.gconv2`, stride === 2 ? cout - cin : cout, 1, { group: groups, bias: false });
  y = n.batchNorm(y, `${name}.bn3`);
  return n.relu(stride === 2 ? n.concat(n.avgPool(x, 3, 2, 1), y) : n.add(x, y));
}

/**
 * A ShuffleNet-v1-style network: units of grouped 1x1 conv, channel shuffle and depthwise 3x3 (default 3 groups), GAP +
 * fc.
 */
export function shufflenet(opts: ShuffleNetOptions = {}): Model {
  const o = resolveZooOptions(opts);
  const groups = opts.groups ?? 3;
  const channels = SHUFFLENET_CHANNELS[groups];
  if (channels === undefined) {
    throw new SlimnetError('INVALID_ARGUMENT', `shufflenet groups must be one of ${Object.keys(SHUFFLENET_CHANNELS).join(', ')}, got ${groups}`);
  }
  const repeats = opts.repeats ?? SHUFFLENET_SMALL_REPEATS;
  if (repeats.length < 1 || repeats.length > 3 || repeats.some((r) => !Number.isInteger(r) || r < 1)) {
    throw new SlimnetError('INVALID_ARGUMENT', `shufflenet repeats must be 1 to 3 positive integers, got [${repeats.join(',')}]`);
  }
  const n = new NetBuilder('shufflenet', o.seed);
  let x = n.conv(n.input(o.inputShape), 'conv1', roundTo(STEM_CHANNELS * o.width, groups), 3, { pad: 1, bias: false });
  x = n.relu(n.batchNorm(x, 'bn1'));
  repeats.forEach((count, s) => {
    const cout = roundTo((channels[s] as number) * o.width, groups);
    if (cout <= (x.shape[0] as number)) {
      throw new SlimnetError('INVALID_ARGUMENT', `shufflenet stage ${s + 2}: ${cout} output channels must exceed its ${x.shape[0]} input channels`);
    }
    for (let i = 0; i < count; i++) {
      x = unit(n, x, `stages.${s}.${i}`, cout, i === 0 ? 2 : 1, groups, s > 0 || i > 0);
    }
  });
  x = n.fc(n.globalAvgPool(x), 'fc', o.numClasses, 'xavier');
  return n.finish(x, `ShuffleNet-v1-style, ${groups} groups, width multiplier ${o.width}, units [${repeats.join(',')}], GAP + fc`);
}
