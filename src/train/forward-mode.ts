/** Adapters between the training graph and autodiff's training-mode forward rewrite and losses. */
import { softmaxCrossEntropy } from '../autodiff/losses.js';
import { toTrainingForward } from '../autodiff/training-mode.js';
import type { Model } from '../ir/graph.js';
import type { Value } from '../ir/value.js';
import type { LossContext } from './training-graph.js';

/** A running statistic: the initializer read by the forward pass and its updated value. */
export interface BufferUpdate {
  readonly buffer: Value;
  readonly updated: Value;
}

/** Rewrites BatchNormalization / Dropout to training mode; returns the running-statistic updates. */
export function trainingForward(model: Model, dropoutSeed = 0): BufferUpdate[] {
  const { runningStats } = toTrainingForward(model.graph, { opset: model.opset(), dropoutSeed });
  return runningStats.flatMap((s) => [
    { buffer: s.mean, updated: s.newMean },
    { buffer: s.var, updated: s.newVar },
  ]);
}

/** Softmax cross-entropy, mean over the batch. */
export function defaultLoss(c: LossContext): Value {
  return softmaxCrossEntropy(c.b, c.logits, c.labels);
}
