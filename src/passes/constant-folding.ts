/**
 * Constant folding: a node of the default domain whose op has a rule in `FOLD_RULES` and whose inputs are
 * all constants (initializers or Constant nodes; for Shape, an input of static shape) is computed once and
 * replaced by an initializer holding its output, under the output's own name. Ops without a rule, nodes
 * with several outputs and nodes producing a graph output are left as they are. Constants left unread are
 * removed (dead-code pass).
 */
import type { Model } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import { constantValue } from '../onnx/constant.js';
import { eliminateDeadCode } from './dead-code.js';
import { FOLD_RULES } from './fold-rules.js';
import type { Pass, PassResult } from './pass.js';
import { numericShape } from './specialize-shapes.js';

/** The folded output of `node`, or undefined when it cannot be folded. */
function foldNode(node: Node): Tensor | undefined {
  const entry = node.domain === '' || node.domain === 'ai.onnx' ? FOLD_RULES.get(node.opType) : undefined;
  if (entry === undefined || node.outputs.length !== 1) return undefined;
  if (node.graph?.outputs.includes(node.output()) === true) return undefined;
  const inputs = node.inputs.map((v) => (v === undefined ? undefined : constantValue(v)));
  const allConstant = node.inputs.every((v, i) => v === undefined || inputs[i] !== undefined);
  if (entry.shapeOnly !== true && !allConstant) return undefined;
  const shapes = node.inputs.map((v, i) => inputs[i]?.dims ?? numericShape(v?.shape));
  return entry.fold({ node, inputs, shapes });
}

/** Folds constant subexpressions of the main graph in place (in node order, so chains fold in one run). */
export function foldConstants(model: Model): PassResult {
  const g = model.graph;
  let modified = false;
  for (const node of [...g.nodes]) {
    if (node.opType === 'Constant') continue;
    const t = foldNode(node);
    if (t === undefined) continue;
    const out = node.output();
    g.removeNode(node, true);
    out.producer = undefined;
    out.producerIndex = -1;
    out.initializer = t;
    out.dtype = t.dtype;
    out.shape = [...t.dims];
    g.initializers.set(out.name, out);
    modified = true;
  }
  if (modified) eliminateDeadCode(model);
  return { model, modified };
}

/** The constant-folding pass (see {@link foldConstants}). */
export const foldConstantsPass: Pass = { name: 'fold-constants', run: foldConstants };
