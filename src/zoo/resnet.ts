/**
 * ResNet-20-style network (He et al. 2016, CIFAR variant): a 3x3 stem, 3 stages x 3 basic blocks with
 * 16 / 32 / 64 channels, BatchNorm, residual Adds, global average pooling and an fc classifier.
 * Stage transitions (stride 2, channel doubling) use a 1x1 conv + BN projection shortcut ("option B")
 * instead of the paper's zero-padding shortcut ("option A"), which needs Pad/Slice gymnastics in ONNX;
 * this adds 2 * (16*32 + 32*64) + BN weights ≈ 5k parameters.
 */
import type { Model } from '../ir/graph.js';
import { NetBuilder, type Act } from './layers.js';
import { resolveZooOptions, scaled, type ZooOptions } from './options.js';

/** Options of `resnet20`: basic blocks per stage, on top of the common zoo options. */
export interface ResNetOptions extends ZooOptions {
  /** Basic blocks per stage (default 3: ResNet-20; 5 gives ResNet-32, 9 ResNet-56). */
  readonly blocksPerStage?: number;
}

function basicBlock(n: NetBuilder, x: Act, name: string, cout: number, stride: number): Act {
  let y = n.conv(x, `${name}.conv1`, cout, 3, { stride, pad: 1, bias: false });
  y = n.relu(n.batchNorm(y, `${name}.bn1`));
  y = n.conv(y, `${name}.conv2`, cout, 3, { pad: 1, bias: false });
  y = n.batchNorm(y, `${name}.bn2`);
  let shortcut = x;
  if (stride !== 1 || x.shape[0] !== cout) {
    shortcut = n.conv(x, `${name}.shortcut.conv`, cout, 1, { stride, bias: false });
    shortcut = n.batchNorm(shortcut, `${name}.shortcut.bn`);
  }
  return n.relu(n.add(y, shortcut));
}

/**
 * A CIFAR-style ResNet (default ResNet-20: 3 stages of 16/32/64 channels, 3 basic blocks each, BN, 1x1 projection
 * shortcuts), GAP + fc.
 */
export function resnet20(opts: ResNetOptions = {}): Model {
  const o = resolveZooOptions(opts);
  const blocks = opts.blocksPerStage ?? 3;
  const n = new NetBuilder(`resnet${6 * blocks + 2}`, o.seed);
  let x = n.conv(n.input(o.inputShape), 'conv1', scaled(16, o.width), 3, { pad: 1, bias: false });
  x = n.relu(n.batchNorm(x, 'bn1'));
  [16, 32, 64].forEach((c, s) => {
    for (let i = 0; i < blocks; i++) {
      x = basicBlock(n, x, `layer${s + 1}.${i}`, scaled(c, o.width), s > 0 && i === 0 ? 2 : 1);
    }
  });
  x = n.fc(n.globalAvgPool(x), 'fc', o.numClasses, 'xavier');
  return n.finish(x, `ResNet-${6 * blocks + 2}-style (16/32/64 channels, BN, 1x1 projection shortcuts), GAP + fc`);
}
