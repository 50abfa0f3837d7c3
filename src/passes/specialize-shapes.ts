/**
 * Shape specialisation: a model whose inputs have a symbolic or unknown batch dim ('N', null) is given a
 * fixed batch so that every channel / spatial / feature dim downstream becomes a number. `staticShapes`
 * answers "what is this value's static shape at batch 1" without touching the model (the question every
 * family asks before rewriting a layer); `specializeShapes` is the pass that writes the shapes in.
 */
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import type { Shape } from '../ir/shape.js';
import type { Value } from '../ir/value.js';
import { inferShapes, inferValueInfo } from './infer-shapes.js';
import type { Pass, PassResult } from './pass.js';

/** A value's shape when every dim is a number, else undefined. */
export type StaticShapeOf = (v: Value | undefined) => readonly number[] | undefined;

/** Options of {@link specializeShapes}. */
export interface SpecializeShapesOptions {
  /** The leading dim given to every model input whose leading dim is not a number (default 1). */
  readonly batch?: number;
  /** Whole shapes for named inputs (e.g. a sequence length); they win over `batch`. */
  readonly inputShapes?: Readonly<Record<string, Shape>>;
}

/** Model input shapes with a non-numeric leading dim set to `batch`, overridden by `opts.inputShapes`. */
export function batchInputShapes(model: Model, opts: SpecializeShapesOptions = {}): Record<string, Shape> {
  const batch = opts.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1) {
    throw new SlimnetError('INVALID_ARGUMENT', `batch must be a positive integer, got ${batch}`);
  }
  const out: Record<string, Shape> = {};
  for (const v of model.graph.inputs) {
    const s = v.shape;
    if (s !== undefined && s.length > 0 && typeof s[0] !== 'number') out[v.name] = [batch, ...s.slice(1)];
  }
  return { ...out, ...(opts.inputShapes ?? {}) };
}

/** The numeric dims of `s`, or undefined when one is symbolic or unknown. */
export function numericShape(s: Shape | undefined): readonly number[] | undefined {
  return s !== undefined && s.every((d): d is number => typeof d === 'number') ? s : undefined;
}

/** Static shapes of the model's values at a fixed batch (default 1), inferred without mutating the model. */
export function staticShapes(model: Model, opts: SpecializeShapesOptions = {}): StaticShapeOf {
  const info = inferValueInfo(model, { inputShapes: batchInputShapes(model, opts) });
  return (v) => (v === undefined ? undefined : numericShape(info.get(v)?.shape ?? v.shape));
}

/** Fixes the inputs' batch dims (and `inputShapes`) on the model, then infers every value's shape in place. */
export function specializeShapes(model: Model, opts: SpecializeShapesOptions = {}): PassResult {
  return inferShapes(model, { inputShapes: batchInputShapes(model, opts) });
}

/** The shape-specialisation pass at the given batch (see {@link specializeShapes}). */
export function specializeShapesPass(opts: SpecializeShapesOptions = {}): Pass {
  return { name: `specialize-shapes(batch ${opts.batch ?? 1})`, run: (model) => specializeShapes(model, opts) };
}
