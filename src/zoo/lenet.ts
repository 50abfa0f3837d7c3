/** LeNet-300-100 (fully connected) and Caffe's LeNet-5 (conv20-pool-conv50-pool-fc500-fc10). */
import type { Model } from '../ir/graph.js';
import { NetBuilder } from './layers.js';
import { resolveZooOptions, scaled, type ZooOptions } from './options.js';

/** 784-300-100-10 with ReLU (266,610 parameters at the defaults). */
export function lenet300100(opts: ZooOptions = {}): Model {
  const o = resolveZooOptions(opts);
  const n = new NetBuilder('lenet-300-100', o.seed);
  let x = n.flatten(n.input(o.inputShape));
  x = n.relu(n.fc(x, 'fc1', scaled(300, o.width)));
  x = n.relu(n.fc(x, 'fc2', scaled(100, o.width)));
  x = n.fc(x, 'fc3', o.numClasses, 'xavier');
  return n.finish(x, 'LeNet-300-100: fully connected 784-300-100-10, ReLU');
}

/** Caffe LeNet-5: 431,080 parameters at the defaults (no activation between the convolutions, as in Caffe). */
export function lenet5(opts: ZooOptions = {}): Model {
  const o = resolveZooOptions(opts);
  const n = new NetBuilder('lenet5', o.seed);
  let x = n.input(o.inputShape);
  x = n.maxPool(n.conv(x, 'conv1', scaled(20, o.width), 5), 2);
  x = n.maxPool(n.conv(x, 'conv2', scaled(50, o.width), 5), 2);
  x = n.relu(n.fc(n.flatten(x), 'fc1', scaled(500, o.width)));
  x = n.fc(x, 'fc2', o.numClasses, 'xavier');
  return n.finish(x, 'LeNet-5 (Caffe): conv 20 5x5, maxpool 2, conv 50 5x5, maxpool 2, fc 500, ReLU, fc');
}
