/** Graph -> GraphProto. Values are written by name; outer-scope captures are implicit in ONNX. */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { GraphProtoSchema, NodeProtoSchema, type GraphProto, type NodeProto, type TensorProto } from 'onnx-buf';
import { SlimnetError } from '../ir/errors.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Tensor, TensorStorage } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { encodeAttribute, type AttributeEncoders } from './attribute-codec.js';
import { extras } from './extras.js';
import { encodeTensor, type ExternalSink } from './tensor-codec.js';
import { encodeValueInfo } from './type-codec.js';

export interface GraphEncodeOptions {
  /**
   * Which intermediate values get value_info: 'declared' (default) only those whose type the source file
   * declared (graph.declaredValueInfo); 'all' also every other node output with a dtype and a shape.
   */
  readonly valueInfo?: 'declared' | 'all';
  /** Storage form for a tensor (default: its own `storage`; 'external' needs `sink`). */
  readonly tensorForm?: (t: Tensor) => TensorStorage;
  /** Receives the bytes of tensors written externally. */
  readonly sink?: ExternalSink;
}

function nodeLabel(n: Node): string {
  return n.name !== '' ? `node '${n.name}' (${n.opType})` : `a ${n.opType} node`;
}

function encodeNode(n: Node, graphLabel: string, enc: AttributeEncoders): NodeProto {
  const where = `${graphLabel} ${nodeLabel(n)}`;
  const input = n.inputs.map((v, i) => {
    if (v === undefined) return '';
    if (v.name === '') throw new SlimnetError('ONNX_ENCODE', `${where}: input #${i} reads a value with an empty name`);
    return v.name;
  });
  const init: MessageInitShape<typeof NodeProtoSchema> = {
    input,
    output: n.outputs.map((o) => o.name),
    opType: n.opType,
    attribute: [...n.attributes].map(([name, a]) => encodeAttribute(name, a, where, enc)),
  };
  if (n.name !== '') init.name = n.name;
  if (n.domain !== '') init.domain = n.domain;
  if (n.docString !== '') init.docString = n.docString;
  const ex = extras.node(n);
  if (ex?.overload !== undefined) init.overload = ex.overload;
  if (ex?.metadataProps !== undefined) init.metadataProps = ex.metadataProps;
  if (ex?.deviceConfigurations !== undefined) init.deviceConfigurations = ex.deviceConfigurations;
  return create(NodeProtoSchema, init);
}

function valueInfoFor(g: Graph, mode: 'declared' | 'all'): Value[] {
  const byName = g.valuesByName();
  const out: Value[] = [];
  const seen = new Set<string>();
  for (const name of g.declaredValueInfo) {
    const v = byName.get(name);
    if (v !== undefined && !seen.has(name)) {
      out.push(v);
      seen.add(name);
    }
  }
  if (mode === 'all') {
    const boundary = new Set<Value>([...g.inputs, ...g.outputs]);
    for (const n of g.nodes) {
      for (const o of n.outputs) {
        if (o.name === '' || seen.has(o.name) || boundary.has(o) || o.dtype === undefined || o.shape === undefined) continue;
        out.push(o);
        seen.add(o.name);
      }
    }
  }
  return out;
}

export function encodeGraph(g: Graph, opts: GraphEncodeOptions = {}): GraphProto {
  const label = g.name !== '' ? `graph '${g.name}'` : 'graph';
  const tensorForm = opts.tensorForm ?? ((t: Tensor) => t.storage);
  const tensor = (t: Tensor, name: string | undefined): TensorProto => encodeTensor(t, name, tensorForm(t), opts.sink);
  const enc: AttributeEncoders = { tensor, graph: (sub) => encodeGraph(sub, opts) };

  const initializer: TensorProto[] = [];
  for (const v of g.initializers.values()) {
    if (v.initializer === undefined) continue;
    initializer.push(tensor(v.initializer, v.name));
  }
  const init: MessageInitShape<typeof GraphProtoSchema> = {
    node: g.nodes.map((n) => encodeNode(n, label, enc)),
    initializer,
    input: g.inputs.map(encodeValueInfo),
    output: g.outputs.map(encodeValueInfo),
    valueInfo: valueInfoFor(g, opts.valueInfo ?? 'declared').map(encodeValueInfo),
  };
  if (g.name !== '') init.name = g.name;
  if (g.docString !== '') init.docString = g.docString;
  const ex = extras.graph(g);
  if (ex !== undefined) {
    if (ex.orphanValueInfo !== undefined) init.valueInfo = [...(init.valueInfo ?? []), ...ex.orphanValueInfo];
    if (ex.sparseInitializer !== undefined) init.sparseInitializer = ex.sparseInitializer;
    if (ex.quantizationAnnotation !== undefined) init.quantizationAnnotation = ex.quantizationAnnotation;
    if (ex.metadataProps !== undefined) init.metadataProps = ex.metadataProps;
  }
  return create(GraphProtoSchema, init);
}
