/** Graph edits of the binary rewrites: append after a value, move a layer's bias out, insert a BatchNorm. */
import type { GraphBuilder } from '../../../ir/builder.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Node } from '../../../ir/node.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';

/**
 * Routes every consumer of y (and a graph output y) through `build(y)`. A graph output keeps its name:
 * the new tail takes it over and y is renamed.
 */
export function appendAfter(b: GraphBuilder, y: Value, build: (y: Value) => Value): Value {
  const g = b.graph;
  const uses = [...y.uses];
  const out = build(y);
  for (const u of uses) u.node.setInput(u.index, out);
  const k = g.outputs.indexOf(y);
  if (k >= 0) {
    const name = y.name;
    y.name = g.uniqueName(`${name}_pre`);
    out.name = name;
    g.outputs[k] = out;
  }
  out.dtype ??= y.dtype;
  out.shape ??= y.shape;
  return out;
}

/**
 * Moves the bias of a Conv / Gemm out of the node into an Add after it (Conv: reshaped to [1, M, 1, …];
 * Gemm: multiplied by beta), so scales can be applied to the bias-free product. No-op without a bias.
 */
export function detachBias(b: GraphBuilder, node: Node): void {
  const bias = node.inputs[2];
  if (bias === undefined) return;
  const t = bias.initializer;
  if (t === undefined) throw new SlimnetError('INVALID_ARGUMENT', `${node.opType} '${node.name}': its bias '${bias.name}' is computed at run time; only initializer biases can be moved`);
  const g = b.graph;
  const data = Float32Array.from(t.toFloat32());
  let dims: number[];
  if (node.opType === 'Conv') {
    const rank = node.input(1).initializer?.dims.length ?? 4;
    dims = [1, data.length, ...Array<number>(rank - 2).fill(1)];
  } else {
    const beta = node.attrFloat('beta', 1) ?? 1;
    for (let i = 0; i < data.length; i++) data[i]! *= beta;
    dims = [...t.dims];
    node.setAttr('beta', 1);
  }
  node.setInput(2, undefined);
  const alone = bias.uses.length === 0 && !g.outputs.includes(bias);
  if (alone) g.removeInitializer(bias);
  const moved = g.addInitializer(alone ? bias.name : g.uniqueName(`${bias.name}__moved`), new Tensor('float32', dims, data));
  appendAfter(b, node.output(0), (y) => b.op('Add', [y, moved], {}, { name: `${node.name}/bias` }));
}

/** Inserts an identity-initialised BatchNormalization (γ 1, β 0, mean 0, var 1) on x and returns its output. */
export function addBatchNorm(b: GraphBuilder, x: Value, channels: number, name: string): Value {
  const g = b.graph;
  const p = (what: string, v: number): Value => g.addInitializer(g.uniqueName(`${name}.${what}`), new Tensor('float32', [channels], new Float32Array(channels).fill(v)));
  const y = b.op('BatchNormalization', [x, p('weight', 1), p('bias', 0), p('running_mean', 0), p('running_var', 1)], { epsilon: 1e-5, momentum: 0.9 }, { name });
  y.dtype = x.dtype;
  y.shape = x.shape;
  return y;
}
