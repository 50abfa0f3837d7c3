/**
 * The validation graph: the inference model with its trained parameters and running statistics as
 * inputs (so one session serves the whole run, fed the current weights) and one output, the number of
 * correct top-1 predictions in the batch.
 */
import { GraphBuilder } from '../ir/builder.js';
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import type { Value } from '../ir/value.js';
import { correctCount, imageInputOf, liftToInputs, logitsOf } from './graph-edit.js';
import type { TrainingGraphInfo } from './training-graph.js';

/**
 * The evaluation graph of a training run: the inference model with its trained parameters and buffers lifted to inputs,
 * so one session can evaluate every epoch's weights.
 */
export function buildEvalGraph(inference: Model, info: TrainingGraphInfo, logitsName?: string): Model {
  const m = inference.clone();
  const g = m.graph;
  const b = new GraphBuilder(g);
  const logits = logitsOf(m, logitsName);
  imageInputOf(m, info.input);
  const lifted = [...info.params.map((p) => p.name), ...info.buffers.map((s) => s.name)].map((name): Value => {
    const v = g.initializers.get(name);
    if (v === undefined) throw new SlimnetError('INVALID_ARGUMENT', `inference model has no initializer '${name}'`);
    return v;
  });
  liftToInputs(g, lifted);
  const labels = b.input(info.labels, 'int64', [logits.shape?.[0] ?? 'N']);
  g.outputs.length = 0;
  const correct = b.output(correctCount(b, logits, labels), g.uniqueName('correct'));
  correct.dtype = 'float32';
  correct.shape = [];
  return m;
}
