/** The model zoo: a registry of seeded builders and `buildZooModel(name, opts)`. */
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import { lenet300100, lenet5 } from './lenet.js';
import { mlp } from './mlp.js';
import { mobilenet } from './mobilenet.js';
import type { ZooOptions } from './options.js';
import { resnet20 } from './resnet.js';
import { shufflenet } from './shufflenet.js';
import { vgg } from './vgg.js';

/** A zoo model: its seeded builder and a one-line description. */
export interface ZooEntry {
  readonly build: (opts?: ZooOptions) => Model;
  readonly description: string;
}

/** The zoo models by name (`lenet-300-100`, `lenet5`, `vgg`, `resnet20`, `mlp`, `mobilenet`, `shufflenet`). */
export const zooModels: Readonly<Record<string, ZooEntry>> = {
  'lenet-300-100': { build: lenet300100, description: 'LeNet-300-100: FC 784-300-100-10 with ReLU (266,610 params)' },
  lenet5: { build: lenet5, description: 'LeNet-5 (Caffe): conv20-pool-conv50-pool-fc500-fc10 (431,080 params)' },
  vgg: { build: vgg, description: 'VGG-style 3x3 conv + BatchNorm, [32,32,M,64,64,M,128,128,M], GAP + fc' },
  resnet20: { build: resnet20, description: 'ResNet-20-style, 16/32/64 channels, BN, 1x1 projection shortcuts' },
  mlp: { build: mlp, description: "MLP 784-1200-1200-10, ReLU (Hinton's distillation teacher size; width 0.025 gives 30-30)" },
  mobilenet: { build: mobilenet, description: 'MobileNet-v1-style depthwise-separable blocks, width multiplier α' },
  shufflenet: { build: shufflenet, description: 'ShuffleNet-v1-style units (grouped 1x1 + shuffle + depthwise 3x3), 3 groups, width multiplier' },
};

/** Names of the zoo models. */
export function zooModelNames(): string[] {
  return Object.keys(zooModels);
}

/** Builds a zoo model by name; an unknown name throws INVALID_ARGUMENT listing the known ones. */
export function buildZooModel(name: string, opts: ZooOptions = {}): Model {
  const entry = Object.prototype.hasOwnProperty.call(zooModels, name) ? zooModels[name] : undefined;
  if (entry === undefined) {
    throw new SlimnetError('INVALID_ARGUMENT', `unknown zoo model '${name}'; available: ${zooModelNames().join(', ')}`);
  }
  return entry.build(opts);
}

export { initTensor, type Init } from './layers.js';
export { lenet300100, lenet5 } from './lenet.js';
export { mlp, type MlpOptions } from './mlp.js';
export { mobilenet, MOBILENET_SMALL_BLOCKS, type MobileNetOptions } from './mobilenet.js';
export type { ZooOptions } from './options.js';
export { resnet20, type ResNetOptions } from './resnet.js';
export { channelShuffle, shuffledPosition } from './shuffle.js';
export { shufflenet, SHUFFLENET_CHANNELS, SHUFFLENET_SMALL_REPEATS, type ShuffleNetOptions } from './shufflenet.js';
export { vgg, VGG_SMALL_PLAN, type VggOptions, type VggPlan } from './vgg.js';
