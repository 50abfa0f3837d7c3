/** The GradContext implementation: opset-aware helpers used by gradient rules. */
import type { AttributeInput } from '../ir/attributes.js';
import type { GraphBuilder } from '../ir/builder.js';
import { ShapeError } from '../ir/errors.js';
import type { Node } from '../ir/node.js';
import type { Shape } from '../ir/shape.js';
import type { Value } from '../ir/value.js';
import type { GradContext } from './rule.js';

export class RuleContext implements GradContext {
  readonly b: GraphBuilder;
  readonly node: Node;
  readonly opset: number;
  private readonly dOuts: ReadonlyArray<Value | undefined>;
  private readonly needed: readonly boolean[];
  private counter = 0;

  constructor(b: GraphBuilder, node: Node, opset: number, dOuts: ReadonlyArray<Value | undefined>, needed: readonly boolean[]) {
    this.b = b;
    this.node = node;
    this.opset = opset;
    this.dOuts = dOuts;
    this.needed = needed;
  }

  dOut(i = 0): Value | undefined {
    return this.dOuts[i];
  }

  needs(i: number): boolean {
    return this.needed[i] === true;
  }

  op(opType: string, inputs: ReadonlyArray<Value | undefined>, attrs: Readonly<Record<string, AttributeInput>> = {}): Value {
    return this.b.op(opType, inputs, attrs, { name: `grad/${this.node.name}/${opType}${this.counter++}` });
  }

  scalar(value: number): Value {
    const dtype = this.node.outputs[0]?.dtype === 'float64' ? 'float64' : 'float32';
    return this.b.constant(value, [], `grad/${this.node.name}/c`, dtype);
  }

  ints(values: readonly number[]): Value {
    return this.b.constInt64(values, [values.length], `grad/${this.node.name}/i`);
  }

  reduceSum(x: Value, axes: readonly number[], keepdims: boolean): Value {
    const kd = keepdims ? 1 : 0;
    if (this.opset >= 13) return this.op('ReduceSum', [x, this.ints(axes)], { keepdims: kd });
    return this.op('ReduceSum', [x], { axes: [...axes], keepdims: kd });
  }

  reshape(x: Value, shape: readonly number[] | Value): Value {
    const s = Array.isArray(shape) ? this.ints(shape as readonly number[]) : (shape as Value);
    return this.op('Reshape', [x, s]);
  }

  shapeOf(v: Value): Value {
    return this.op('Shape', [v]);
  }

  unbroadcast(grad: Value, like: Value, from?: Shape): Value {
    const src = from ?? this.node.output(0).shape;
    const dst = like.shape;
    if (src === undefined || dst === undefined) {
      throw new ShapeError(`gradient needs the static rank of '${like.name}' and of the output (run shape inference first)`, this.node.name);
    }
    if (src.length === dst.length && src.every((d, i) => d === dst[i])) return grad;
    const lead = src.length - dst.length;
    const axes: number[] = [];
    for (let i = 0; i < src.length; i++) {
      if (i < lead) axes.push(i);
      else if (dst[i - lead] === 1 && src[i] !== 1) axes.push(i);
      else if (dst[i - lead] !== src[i] && (typeof dst[i - lead] !== 'string' || typeof src[i] !== 'string')) {
        if (dst[i - lead] === null || src[i] === null) {
          throw new ShapeError(`cannot tell whether axis ${i} of '${like.name}' was broadcast (unknown dims)`, this.node.name);
        }
      }
    }
    if (axes.length === 0) return grad;
    const summed = this.reduceSum(grad, axes, true);
    if (lead === 0) return summed;
    const target = dst.map((d) => (typeof d === 'number' ? d : 0));
    if (dst.some((d) => typeof d !== 'number')) return this.reshape(summed, this.shapeOf(like));
    return this.reshape(summed, target);
  }
}
