/**
 * GraphBuilder: the convenient way to construct models in code and in tests.
 *
 *   const b = new GraphBuilder('tiny');
 *   const x = b.input('x', 'float32', ['N', 4]);
 *   const w = b.initializer('w', Tensor.f32([3, 4], values));
 *   const y = b.op('Gemm', [x, w], { transB: 1 });
 *   b.output(b.op('Relu', [y]), 'y');
 *   const model = b.build();
 */
import type { AttributeInput } from './attributes.js';
import type { DType } from './dtype.js';
import { Graph, Model } from './graph.js';
import type { Shape } from './shape.js';
import { Tensor } from './tensor.js';
import { Value } from './value.js';

/** Options of `GraphBuilder.op`: the node name (made unique) and the operator domain. */
export interface OpOptions {
  /** Node name (made unique); defaults to the op type. */
  readonly name?: string;
  /** Operator domain ('' = ai.onnx). */
  readonly domain?: string;
}

/**
 * Builds or extends a graph: adds inputs, initializers, constants and nodes (unique names), and marks outputs.
 * `build()` wraps the graph into a Model with the default opset.
 */
export class GraphBuilder {
  readonly graph: Graph;

  constructor(nameOrGraph: string | Graph = 'graph') {
    this.graph = typeof nameOrGraph === 'string' ? new Graph(nameOrGraph) : nameOrGraph;
  }

  input(name: string, dtype: DType, shape: Shape): Value {
    return this.graph.addInput(new Value(name, dtype, shape));
  }

  initializer(name: string, t: Tensor): Value {
    return this.graph.addInitializer(this.graph.initializers.has(name) ? this.graph.uniqueName(name) : name, t);
  }

  /** A floating-point constant (float32 unless `dtype` says float64), as an initializer with a generated name. */
  constant(values: number | readonly number[], dims?: readonly number[], prefix = 'const', dtype: 'float32' | 'float64' = 'float32'): Value {
    const arr = typeof values === 'number' ? [values] : values;
    const shape = dims ?? (typeof values === 'number' ? [] : [arr.length]);
    const t = dtype === 'float64' ? Tensor.f64(shape, arr) : Tensor.f32(shape, arr);
    return this.graph.addInitializer(this.graph.uniqueName(prefix), t);
  }

  /** An int64 constant, e.g. shapes and axes. */
  constInt64(values: readonly number[], dims?: readonly number[], prefix = 'const_i64'): Value {
    return this.graph.addInitializer(this.graph.uniqueName(prefix), Tensor.i64(dims ?? [values.length], values));
  }

  /** Adds a node with one output and returns that output. */
  op(opType: string, inputs: ReadonlyArray<Value | undefined>, attrs: Readonly<Record<string, AttributeInput>> = {}, opts: OpOptions = {}): Value {
    return this.opN(opType, inputs, 1, attrs, opts)[0] as Value;
  }

  /** Adds a node with `numOutputs` outputs and returns them. */
  opN(
    opType: string,
    inputs: ReadonlyArray<Value | undefined>,
    numOutputs: number,
    attrs: Readonly<Record<string, AttributeInput>> = {},
    opts: OpOptions = {},
  ): Value[] {
    const node = this.graph.createNode(opType, inputs, numOutputs, opts.name, opts.domain ?? '');
    for (const [k, v] of Object.entries(attrs)) node.setAttr(k, v);
    return [...node.outputs];
  }

  /** Declares v a graph output, renaming it to `name` when given. */
  output(v: Value, name?: string): Value {
    if (name !== undefined && name !== v.name) {
      this.graph.reserveName(name);
      v.name = name;
    }
    return this.graph.addOutput(v);
  }

  build(opset = 17): Model {
    return new Model(this.graph, opset);
  }
}
