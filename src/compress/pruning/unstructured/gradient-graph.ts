/**
 * A gradient graph for saliency criteria: the inference model plus a loss and d loss / d w for the chosen
 * parameters as extra outputs (parameters stay initializers; nothing is updated). Inputs: the image input
 * and `target` (int64 labels [N] for the default softmax cross-entropy, or what a custom loss declares).
 * Outputs: the logits, then one gradient per parameter.
 */
import { addBackward } from '../../../autodiff/backward.js';
import { softmaxCrossEntropy } from '../../../autodiff/losses.js';
import { GraphBuilder } from '../../../ir/builder.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import type { Shape } from '../../../ir/shape.js';
import type { Value } from '../../../ir/value.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import { imageInputOf, logitsOf } from '../../../train/graph-edit.js';

/** The loss of a gradient graph: how to build it from the output and target, and the target input's type. */
export interface GradientLoss {
  /** Scalar loss from the model output and the target input. */
  readonly build: (b: GraphBuilder, output: Value, target: Value) => Value;
  /** Target input type (default int64 [N] labels). */
  readonly target: { readonly dtype: 'int64' | 'float32'; readonly shape: Shape };
}

/**
 * A model extended to output the gradient of a loss with respect to chosen parameters: input, target and output names,
 * gradient outputs by parameter.
 */
export interface GradientGraph {
  readonly model: Model;
  readonly input: string;
  readonly target: string;
  readonly output: string;
  /** Gradient output name by parameter name. */
  readonly grads: ReadonlyMap<string, string>;
}

/** Softmax cross-entropy with int64 labels [N]. */
export const crossEntropyLoss: GradientLoss = {
  build: (b, logits, labels) => softmaxCrossEntropy(b, logits, labels),
  target: { dtype: 'int64', shape: ['N'] },
};

/**
 * Extends a model with a target input, a scalar loss (default softmax cross-entropy) and the gradients of that loss
 * with respect to `params`, as extra outputs.
 */
export function buildGradientGraph(source: Model, params: readonly string[], loss: GradientLoss = crossEntropyLoss): GradientGraph {
  const model = source.clone();
  inferShapes(model);
  const g = model.graph;
  const b = new GraphBuilder(g);
  const image = imageInputOf(model);
  const output = logitsOf(model);
  g.outputs.length = 0;
  b.output(output);
  const target = b.input(g.uniqueName('target'), loss.target.dtype, loss.target.shape);
  const l = loss.build(b, output, target);
  inferShapes(model);
  const wrt = params.map((n) => {
    const v = g.initializers.get(n);
    if (v === undefined) throw new SlimnetError('INVALID_ARGUMENT', `gradient graph: '${n}' is not an initializer of model '${g.name}'`);
    return v;
  });
  const grads = addBackward(g, l, wrt, { opset: model.opset() });
  const names = new Map<string, string>();
  for (const w of wrt) {
    const d = grads.get(w);
    if (d === undefined) throw new SlimnetError('INVALID_ARGUMENT', `gradient graph: the loss does not depend on '${w.name}'`);
    const out = b.op('Identity', [d], {}, { name: `grad/${w.name}` });
    out.dtype = 'float32';
    out.shape = [...(w.initializer?.dims ?? [])];
    b.output(out, g.uniqueName(`grad__${w.name}`));
    names.set(w.name, out.name);
  }
  return { model, input: image.name, target: target.name, output: output.name, grads: names };
}
