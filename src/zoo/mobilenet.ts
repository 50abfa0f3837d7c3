/**
 * MobileNet-v1-style network for small inputs: a 3x3 stem, then depthwise-separable blocks
 * (3x3 depthwise conv + BN + ReLU, 1x1 pointwise conv + BN + ReLU), global average pooling, fc.
 * Channel counts are scaled by the width multiplier α (`width`).
 */
import type { Model } from '../ir/graph.js';
import { NetBuilder, type Act } from './layers.js';
import { resolveZooOptions, scaled, type ZooOptions } from './options.js';

/** [output channels, stride] of each depthwise-separable block (28x28 -> 7x7). */
export const MOBILENET_SMALL_BLOCKS: ReadonlyArray<readonly [number, number]> = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1],
];

/** Options of `mobilenet`: the depthwise-separable blocks, on top of the common zoo options. */
export interface MobileNetOptions extends ZooOptions {
  /** Blocks as [channels, stride] (default MOBILENET_SMALL_BLOCKS). */
  readonly blocks?: ReadonlyArray<readonly [number, number]>;
}

function separable(n: NetBuilder, x: Act, name: string, cout: number, stride: number): Act {
  const cin = x.shape[0] as number;
  let y = n.conv(x, `${name}.dw`, cin, 3, { stride, pad: 1, group: cin, bias: false });
  y = n.relu(n.batchNorm(y, `${name}.dw_bn`));
  y = n.conv(y, `${name}.pw`, cout, 1, { bias: false });
  return n.relu(n.batchNorm(y, `${name}.pw_bn`));
}

/**
 * A MobileNet-v1-style network: 3x3 conv + BN, depthwise-separable blocks (width multiplier α = `width`), global
 * average pooling and one fc layer.
 */
export function mobilenet(opts: MobileNetOptions = {}): Model {
  const o = resolveZooOptions(opts);
  const n = new NetBuilder('mobilenet', o.seed);
  let x = n.conv(n.input(o.inputShape), 'conv1', scaled(32, o.width), 3, { pad: 1, bias: false });
  x = n.relu(n.batchNorm(x, 'bn1'));
  (opts.blocks ?? MOBILENET_SMALL_BLOCKS).forEach(([c, s], i) => {
    x = separable(n, x, `blocks.${i}`, scaled(c, o.width), s);
  });
  x = n.fc(n.globalAvgPool(x), 'fc', o.numClasses, 'xavier');
  return n.finish(x, `MobileNet-v1-style, width multiplier ${o.width}, depthwise-separable blocks, GAP + fc`);
}
