/** Small graph edits shared by the training and evaluation graphs. */
import { SlimnetError } from '../ir/errors.js';
import type { Graph, Model } from '../ir/graph.js';
import type { Value } from '../ir/value.js';
import type { ParamRef } from './regularizers.js';
import { paramRefOf } from './transforms.js';

/** Turns initializers into graph inputs (same Value objects, so every use stays wired). */
export function liftToInputs(graph: Graph, values: readonly Value[]): void {
  for (const v of values) {
    if (v.initializer === undefined) throw new SlimnetError('INVALID_ARGUMENT', `'${v.name}' is not an initializer`);
    v.dtype = v.initializer.dtype;
    v.shape = [...v.initializer.dims];
    graph.initializers.delete(v.name);
    v.initializer = undefined;
    graph.addInput(v);
  }
}

export function paramRef(v: Value): ParamRef {
  return paramRefOf(v);
}

export {
  insertActivationTransforms, insertTransforms, TransformRecorder,
  type ActivationRef, type ActivationSelector, type Clamp, type TransformContext, type TransformSelector, type ValueTransform, type WeightTransform,
} from './transforms.js';

export { correctCount } from '../autodiff/losses.js';

/** The model's single float output (the logits). */
export function logitsOf(model: Model, name?: string): Value {
  const outs = model.graph.outputs;
  const v = name === undefined ? outs[0] : outs.find((o) => o.name === name);
  if (v === undefined) {
    throw new SlimnetError('INVALID_ARGUMENT', `model has no output ${name === undefined ? '' : `'${name}' `}(outputs: ${outs.map((o) => o.name).join(', ')})`);
  }
  return v;
}

/** The image input: the named one, or the only non-initializer input. */
export function imageInputOf(model: Model, name?: string): Value {
  const ins = model.graph.inputs.filter((v) => !model.graph.initializers.has(v.name));
  const v = name === undefined ? (ins.length === 1 ? ins[0] : undefined) : ins.find((i) => i.name === name);
  if (v === undefined) {
    throw new SlimnetError('INVALID_ARGUMENT', `cannot pick the model input${name === undefined ? '' : ` '${name}'`} among: ${ins.map((i) => i.name).join(', ')}`);
  }
  return v;
}
