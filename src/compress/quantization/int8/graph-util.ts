/** Small graph-editing helpers for the int8 exporters: scale / zero-point initializers and node insertion. */
import type { AttributeInput } from '../../../ir/attributes.js';
import type { Graph } from '../../../ir/graph.js';
import { Node } from '../../../ir/node.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import type { QParams } from '../common/qparams.js';

/** Adds a node whose outputs are the given (existing, producer-less) values. */
export function addNodeWithOutputs(
  g: Graph, opType: string, inputs: ReadonlyArray<Value | undefined>, outputs: readonly Value[],
  attrs: Readonly<Record<string, AttributeInput>> = {}, domain = '', name?: string,
): Node {
  const node = new Node(opType, g.uniqueName(name ?? opType.toLowerCase()), domain);
  node.setInputs(inputs);
  for (const o of outputs) node.addOutput(o);
  for (const [k, v] of Object.entries(attrs)) node.setAttr(k, v);
  return g.addNode(node);
}

function zeroPointTensor(qp: QParams, dims: readonly number[] = []): Tensor {
  const t = new Tensor(qp.type, dims);
  (t.data as Int8Array | Uint8Array | Int32Array).fill(qp.zeroPoint);
  return t;
}

/** Scalar scale and zero-point initializers of an activation, cached per (scale, zero point, type). */
export class QParamConstants {
  private readonly cache = new Map<string, [Value, Value]>();
  constructor(private readonly g: Graph) {}

  get(qp: QParams, prefix: string): [Value, Value] {
    const key = `${qp.scale}/${qp.zeroPoint}/${qp.type}`;
    let c = this.cache.get(key);
    if (c === undefined) {
      const s = this.g.addInitializer(this.g.uniqueName(`${prefix}_scale`), Tensor.scalar(qp.scale));
      const z = this.g.addInitializer(this.g.uniqueName(`${prefix}_zero_point`), zeroPointTensor(qp));
      c = [s, z];
      this.cache.set(key, c);
    }
    return c;
  }
}

/** Scale (scalar or 1-D) and an all-zero zero point of the given integer type for quantized weights / biases. */
export function weightConstants(g: Graph, prefix: string, scales: Float32Array, type: 'int8' | 'int32', perChannel: boolean): [Value, Value] {
  const dims = perChannel ? [scales.length] : [];
  const s = g.addInitializer(g.uniqueName(`${prefix}_scale`), new Tensor('float32', dims, perChannel ? scales : Float32Array.of(scales[0] as number)));
  const z = g.addInitializer(g.uniqueName(`${prefix}_zero_point`), new Tensor(type, dims));
  return [s, z];
}
