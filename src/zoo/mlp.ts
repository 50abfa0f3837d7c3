/**
 * A fully-connected ReLU network: by default 784-1200-1200-10, the "large net" of Hinton et al.'s MNIST
 * distillation experiment; the width multiplier scales every hidden layer (0.6667 gives their 800-800
 * "small net", 0.025 a 30-30 net). Dropout (their teacher used it) is an option of the builder.
 */
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import { NetBuilder } from './layers.js';
import { resolveZooOptions, scaled, type ZooOptions } from './options.js';

/** Options of `mlp`: hidden layer sizes and dropout, on top of the common zoo options. */
export interface MlpOptions extends ZooOptions {
  /** Hidden layer sizes before the width multiplier (default [1200, 1200]). */
  readonly hidden?: readonly number[];
  /** Drop ratio after each hidden ReLU (default 0: no Dropout nodes). */
  readonly dropout?: number;
  /** Drop ratio on the (flattened) input (default 0). */
  readonly inputDropout?: number;
}

/** A multilayer perceptron (default 784-1200-1200-10 with ReLU, Hinton's distillation teacher) with seeded He init. */
export function mlp(opts: MlpOptions = {}): Model {
  const o = resolveZooOptions(opts);
  const hidden = opts.hidden ?? [1200, 1200];
  for (const r of [opts.dropout ?? 0, opts.inputDropout ?? 0]) {
    if (!(r >= 0 && r < 1)) throw new SlimnetError('INVALID_ARGUMENT', `mlp dropout ratios must be in [0, 1), got ${r}`);
  }
  const n = new NetBuilder('mlp', o.seed);
  let x = n.flatten(n.input(o.inputShape));
  if ((opts.inputDropout ?? 0) > 0) x = n.dropout(x, opts.inputDropout ?? 0);
  hidden.forEach((h, i) => {
    x = n.relu(n.fc(x, `fc${i + 1}`, scaled(h, o.width)));
    if ((opts.dropout ?? 0) > 0) x = n.dropout(x, opts.dropout ?? 0);
  });
  x = n.fc(x, `fc${hidden.length + 1}`, o.numClasses, 'xavier');
  const sizes = hidden.map((h) => scaled(h, o.width));
  return n.finish(x, `MLP ${o.inputShape.join('x')}-${sizes.join('-')}-${o.numClasses}, ReLU${(opts.dropout ?? 0) > 0 ? `, dropout ${opts.dropout}` : ''}`);
}
