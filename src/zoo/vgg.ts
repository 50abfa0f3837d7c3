/** A small VGG-style network with BatchNorm for 28x28 inputs. */
import type { Model } from '../ir/graph.js';
import { NetBuilder, type Act } from './layers.js';
import { resolveZooOptions, scaled, type ZooOptions } from './options.js';

/** Layer plan: a number is a 3x3 conv (pad 1) + BN + ReLU with that many channels, 'M' a 2x2 max pool. */
export type VggPlan = ReadonlyArray<number | 'M'>;

/**
 * The default VGG plan: 32, 32, M, 64, 64, M, 128, 128, M (numbers: 3x3 conv + BN + ReLU channels; M: 2x2 max pool).
 */
export const VGG_SMALL_PLAN: VggPlan = [32, 32, 'M', 64, 64, 'M', 128, 128, 'M'];

/** Options of `vgg`: the layer plan, on top of the common zoo options. */
export interface VggOptions extends ZooOptions {
  /** Layer plan (default VGG_SMALL_PLAN); the head is global average pooling + one fc layer. */
  readonly plan?: VggPlan;
}

/** VGG-style: 3x3 conv + BN + ReLU stages with max pools, global average pooling, fc classifier. */
export function vgg(opts: VggOptions = {}): Model {
  const o = resolveZooOptions(opts);
  const n = new NetBuilder('vgg', o.seed);
  let x: Act = n.input(o.inputShape);
  let conv = 0;
  let pool = 0;
  for (const item of opts.plan ?? VGG_SMALL_PLAN) {
    if (item === 'M') {
      if ((x.shape[1] as number) >= 2) x = n.maxPool(x, 2);
      pool++;
      continue;
    }
    conv++;
    const name = `features.${pool + 1}.${conv}`;
    x = n.conv(x, `${name}.conv`, scaled(item, o.width), 3, { pad: 1, bias: false });
    x = n.relu(n.batchNorm(x, `${name}.bn`));
  }
  x = n.fc(n.globalAvgPool(x), 'classifier', o.numClasses, 'xavier');
  return n.finish(x, `VGG-style with BatchNorm, plan [${(opts.plan ?? VGG_SMALL_PLAN).join(',')}], GAP + fc head`);
}
