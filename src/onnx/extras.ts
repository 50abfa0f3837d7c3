/**
 * Side tables for ONNX fields the IR does not model (node metadata, graph annotations, non-tensor value
 * types...). Decoding records them against the IR object; encoding writes them back when it meets the
 * same object again, so an unmodified model round-trips losslessly without widening the IR.
 */
import type { Graph, Model } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import type {
  DeviceConfigurationProto,
  NodeDeviceConfigurationProto,
  SparseTensorProto,
  StringStringEntryProto,
  TensorAnnotation,
  TrainingInfoProto,
  TypeProto,
  ValueInfoProto,
} from 'onnx-buf';

export interface ModelExtras {
  trainingInfo?: TrainingInfoProto[];
  configuration?: DeviceConfigurationProto[];
}

export interface GraphExtras {
  sparseInitializer?: SparseTensorProto[];
  quantizationAnnotation?: TensorAnnotation[];
  metadataProps?: StringStringEntryProto[];
  /** value_info entries naming no value of the graph, written back verbatim. */
  orphanValueInfo?: ValueInfoProto[];
}

export interface NodeExtras {
  overload?: string;
  metadataProps?: StringStringEntryProto[];
  deviceConfigurations?: NodeDeviceConfigurationProto[];
}

export interface ValueExtras {
  /** A type slimnet cannot express as dtype + shape (sequence, map, optional, float8...). */
  type?: TypeProto;
  metadataProps?: StringStringEntryProto[];
}

export interface TensorExtras {
  /** The TensorProto name of a tensor that is not an initializer (e.g. a Constant's `value`). */
  name?: string;
  metadataProps?: StringStringEntryProto[];
}

const modelExtras = new WeakMap<Model, ModelExtras>();
const graphExtras = new WeakMap<Graph, GraphExtras>();
const nodeExtras = new WeakMap<Node, NodeExtras>();
const valueExtras = new WeakMap<Value, ValueExtras>();
const tensorExtras = new WeakMap<Tensor, TensorExtras>();

function getOrCreate<K extends object, V extends object>(m: WeakMap<K, V>, k: K): V {
  let v = m.get(k);
  if (v === undefined) {
    v = {} as V;
    m.set(k, v);
  }
  return v;
}

export const extras = {
  model: (m: Model): ModelExtras | undefined => modelExtras.get(m),
  graph: (g: Graph): GraphExtras | undefined => graphExtras.get(g),
  node: (n: Node): NodeExtras | undefined => nodeExtras.get(n),
  value: (v: Value): ValueExtras | undefined => valueExtras.get(v),
  tensor: (t: Tensor): TensorExtras | undefined => tensorExtras.get(t),
  modelW: (m: Model): ModelExtras => getOrCreate(modelExtras, m),
  graphW: (g: Graph): GraphExtras => getOrCreate(graphExtras, g),
  nodeW: (n: Node): NodeExtras => getOrCreate(nodeExtras, n),
  valueW: (v: Value): ValueExtras => getOrCreate(valueExtras, v),
  tensorW: (t: Tensor): TensorExtras => getOrCreate(tensorExtras, t),
};
