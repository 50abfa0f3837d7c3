/**
 * probeOp: shape inference for a single op in isolation — builds a one-node model from input
 * descriptions and returns what the rules infer for its outputs. Handy in tests and for callers that
 * want to ask "what would this op produce?" without a model.
 */
import type { AttributeInput } from '../../ir/attributes.js';
import { GraphBuilder } from '../../ir/builder.js';
import type { DType } from '../../ir/dtype.js';
import type { Shape } from '../../ir/shape.js';
import { Tensor } from '../../ir/tensor.js';
import type { Value } from '../../ir/value.js';
import { inferValueInfo } from '../infer-shapes.js';
import type { ValueInfo } from './types.js';

/** An op input: a shape (float32 graph input), a constant Tensor (initializer), or omitted. */
export type ProbeInput = Shape | Tensor | { readonly shape: Shape; readonly dtype: DType } | undefined;

export interface ProbeOptions {
  readonly opset?: number;
  /** Number of output slots (default 1). */
  readonly outputs?: number;
  readonly strict?: boolean;
}

export function probeOp(
  opType: string,
  inputs: readonly ProbeInput[],
  attrs: Readonly<Record<string, AttributeInput>> = {},
  opts: ProbeOptions = {},
): ValueInfo[] {
  const b = new GraphBuilder('probe');
  const values: Array<Value | undefined> = inputs.map((inp, i) => {
    if (inp === undefined) return undefined;
    if (inp instanceof Tensor) return b.initializer(`in${i}`, inp);
    if (Array.isArray(inp)) return b.input(`in${i}`, 'float32', inp as Shape);
    const typed = inp as { readonly shape: Shape; readonly dtype: DType };
    return b.input(`in${i}`, typed.dtype, typed.shape);
  });
  const outs = b.opN(opType, values, opts.outputs ?? 1, attrs);
  for (const o of outs) b.output(o);
  const known = inferValueInfo(b.build(opts.opset ?? 17), opts.strict === undefined ? {} : { strict: opts.strict });
  return outs.map((o) => known.get(o) ?? {});
}

/** The inferred output shapes of probeOp (convenience for assertions). */
export function probeShapes(
  opType: string,
  inputs: readonly ProbeInput[],
  attrs: Readonly<Record<string, AttributeInput>> = {},
  opts: ProbeOptions = {},
): Array<Shape | undefined> {
  return probeOp(opType, inputs, attrs, opts).map((i) => i.shape);
}
