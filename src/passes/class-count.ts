/**
 * How many classes a classifier scores: the per-sample size of its first output ([N, C] gives C), read from
 * the declared output shape or, when that is symbolic or missing, from shape inference.
 */
import type { Model } from '../ir/graph.js';
import type { Shape } from '../ir/shape.js';
import { inferValueInfo } from './infer-shapes.js';

/** Product of the non-batch dims when all are numbers; undefined otherwise. */
function perSample(shape: Shape | undefined): number | undefined {
  if (shape === undefined || shape.length < 2) return undefined;
  let n = 1;
  for (const d of shape.slice(1)) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

/**
 * The number of class scores per sample of `model`'s first output, or undefined when it cannot be known
 * without running the model (a symbolic dimension shape inference cannot resolve).
 */
export function outputClassCount(model: Model): number | undefined {
  const out = model.graph.outputs[0];
  if (out === undefined) return undefined;
  const declared = perSample(out.shape);
  if (declared !== undefined) return declared;
  try {
    return perSample(inferValueInfo(model).get(out)?.shape);
  } catch {
    // A graph shape inference cannot follow: the count stays unknown and running the model decides.
    return undefined;
  }
}
