/**
 * XNOR-Net's activation scaling factor K (Rastegari et al. 2016, §3.2): for a binary layer with real
 * input I, A = mean over channels of |I|, and K = A convolved with a box filter of the kernel's size,
 * stride and padding (AveragePool, padding counted); the layer's output is multiplied by K:
 *   Conv(sign(I), sign(W))·α ⊙ K + bias.
 * For Gemm / MatMul layers K = mean |I| per sample. K is computed from the real input in the graph, so
 * training differentiates through it and the deployed model computes it the same way.
 */
import type { GraphBuilder } from '../../../ir/builder.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Node } from '../../../ir/node.js';
import { op, reduce } from './graph-ops.js';
import { appendAfter, detachBias } from './rewire.js';

/** Adds the K branch of layer n (its bias moved after the product) and returns the new Mul node's name. */
export function addActivationScale(b: GraphBuilder, n: Node, opset: number): string {
  const c = { name: `${n.name}/xnor_k`, opset };
  const input = n.input(0);
  const a = reduce(b, c, 'ReduceMean', op(b, c, 'Abs', [input], 'abs'), [1], true, 'mean_abs');
  let kv = a;
  if (n.opType === 'Conv') {
    const dil = n.attrInts('dilations') ?? [];
    if ((n.attrInt('group', 1) ?? 1) !== 1 || dil.some((d) => d !== 1) || (n.attrString('auto_pad', 'NOTSET') ?? 'NOTSET') !== 'NOTSET') {
      throw new SlimnetError('INVALID_ARGUMENT', `XNOR scaling factor for Conv '${n.name}': only group 1, dilation 1 and explicit pads are supported (turn activationScale off otherwise)`);
    }
    const kernel = n.attrInts('kernel_shape') ?? n.input(1).initializer?.dims.slice(2) ?? [];
    const attrs: Record<string, number[] | number> = { kernel_shape: [...kernel], count_include_pad: 1 };
    const strides = n.attrInts('strides');
    const pads = n.attrInts('pads');
    if (strides !== undefined) attrs.strides = [...strides];
    if (pads !== undefined) attrs.pads = [...pads];
    kv = op(b, c, 'AveragePool', [a], 'box', attrs);
  }
  detachBias(b, n);
  const out = appendAfter(b, n.output(0), (y) => b.op('Mul', [y, kv], {}, { name: `${n.name}/xnor_k/scale` }));
  return out.producer!.name;
}
