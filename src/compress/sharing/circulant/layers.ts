/**
 * Applying circulant layers to a model, in either form: 'fft' replaces the Gemm / MatMul node by the DFT
 * subgraph (emit-fft.ts); 'dense' keeps the node and gathers its weight from r (emit-dense.ts). The layer
 * records travel in the model metadata (key `slimnet.circulant`), so a model can be switched between the
 * two forms (circulantForm) and its vectors read back.
 */
import { GraphBuilder } from '../../../ir/builder.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Graph, Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import { eliminateDeadCode } from '../../../passes/dead-code.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import { emitSignedGather } from '../common/signed-table.js';
import { emitCirculantIndex } from './emit-dense.js';
import { emitFftLayer } from './emit-fft.js';

/** Model metadata key under which circulant layers are recorded (JSON list of CirculantLayer). */
export const CIRCULANT_METADATA_KEY = 'slimnet.circulant';

/**
 * How a circulant layer runs: 'fft' (an ONNX DFT subgraph) or 'dense' (the weight gathered from r, then an ordinary
 * MatMul).
 */
export type CirculantMode = 'fft' | 'dense';

/** One circulant layer, as recorded in the model metadata. */
export interface CirculantLayer {
  /** The Gemm / MatMul node it replaces (fft) or whose weight it generates (dense). */
  readonly node: string;
  readonly op: 'Gemm' | 'MatMul';
  /** Name of the dense weight it replaced. */
  readonly weight: string;
  /** Gemm transB = 1 (weight stored [out, in]). */
  readonly outMajor: boolean;
  /** The layer's input and output value names, and the Gemm bias (C) name when it has one. */
  readonly input: string;
  readonly output: string;
  readonly bias?: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** Circulant size d (length of r). */
  readonly size: number;
  /** Seed of the sign vector D. */
  readonly seed: number;
  /** The float32 vector r initializer ([1, d, 1] in fft form, [d, 1] in dense form) and the int8 signs [in]. */
  readonly vectorName: string;
  readonly signName: string;
}

/** The circulant layers recorded in a model's metadata (empty when there are none). */
export function readCirculantLayers(model: Model): CirculantLayer[] {
  const raw = model.metadataProps.get(CIRCULANT_METADATA_KEY);
  if (raw === undefined) return [];
  try {
    return JSON.parse(raw) as CirculantLayer[];
  } catch {
    throw new SlimnetError('INVALID_ARGUMENT', `model metadata '${CIRCULANT_METADATA_KEY}' is not valid JSON`);
  }
}

/** The form a circulant model is in (from its r initializer's rank). */
export function circulantModeOf(model: Model, l: CirculantLayer): CirculantMode {
  return model.graph.initializers.get(l.vectorName)?.initializer?.rank === 3 ? 'fft' : 'dense';
}

/** The current r of a layer. */
export function readVector(model: Model, l: CirculantLayer): Float32Array {
  const t = model.graph.initializers.get(l.vectorName)?.initializer;
  if (t === undefined || t.size !== l.size) throw new SlimnetError('INVALID_ARGUMENT', `model has no circulant vector '${l.vectorName}' of ${l.size} values`);
  return Float32Array.from(t.toFloat32());
}

function valueNamed(g: Graph, name: string, what: string): Value {
  const v = g.valuesByName().get(name);
  if (v === undefined) throw new SlimnetError('INVALID_ARGUMENT', `circulant layer: ${what} '${name}' is not in the graph`);
  return v;
}

/** Points every reader of `from` (and the graph outputs) at `to`. */
function rewire(g: Graph, from: Value, to: Value): void {
  from.replaceAllUsesWith(to);
  g.outputs.forEach((o, i) => {
    if (o === from) g.outputs[i] = to;
  });
}

function emitLayer(b: GraphBuilder, l: CirculantLayer, r: Float32Array, signs: Int8Array, mode: CirculantMode, opset: number): void {
  const g = b.graph;
  const node = g.findNode(l.node);
  const weight = node?.inputs[1];
  if (node === undefined || weight?.initializer === undefined || weight.uses.length !== 1) {
    throw new SlimnetError('INVALID_ARGUMENT', `circulant layer '${l.node}': no node reading an initializer weight '${l.weight}' alone`);
  }
  const prefix = `${l.node}/circ`;
  const d = b.initializer(l.signName, new Tensor('int8', [l.inFeatures], signs));
  if (mode === 'dense') {
    const vector = b.initializer(l.vectorName, new Tensor('float32', [l.size, 1], r));
    const index = emitCirculantIndex(b, prefix, l.inFeatures, l.outFeatures, l.size, d, l.outMajor);
    const dims = l.outMajor ? [l.outFeatures, l.inFeatures] : [l.inFeatures, l.outFeatures];
    node.setInput(1, emitSignedGather(b, prefix, vector, l.size, index, dims));
    g.removeInitializer(weight);
    return;
  }
  const vector = b.initializer(l.vectorName, new Tensor('float32', [1, l.size, 1], r));
  let y = emitFftLayer(b, { prefix, inFeatures: l.inFeatures, outFeatures: l.outFeatures, size: l.size, opset }, node.input(0), vector, d);
  const bias = node.opType === 'Gemm' ? node.inputs[2] : undefined;
  if (bias !== undefined) y = b.op('Add', [y, bias], {}, { name: `${prefix}/bias` });
  const out = node.output();
  rewire(g, out, y);
  g.removeNode(node);
  g.removeInitializer(weight);
  y.name = out.name;
}

/**
 * A copy of `model` with `layers` made circulant in `mode`; `vectors` / `signs` by weight name. The
 * layers' nodes must still read their dense (or placeholder) weight initializers.
 */
export function applyCirculant(model: Model, layers: readonly CirculantLayer[], vectors: ReadonlyMap<string, Float32Array>, signs: ReadonlyMap<string, Int8Array>, mode: CirculantMode): Model {
  const m = model.clone();
  const b = new GraphBuilder(m.graph);
  for (const l of layers) {
    const r = vectors.get(l.weight);
    const d = signs.get(l.weight);
    if (r === undefined || r.length !== l.size || d === undefined || d.length !== l.inFeatures) {
      throw new SlimnetError('INVALID_ARGUMENT', `circulant layer '${l.node}': need a vector of ${l.size} and ${l.inFeatures} signs`);
    }
    emitLayer(b, l, r, d, mode, m.opset());
  }
  m.graph.sortTopologically();
  const others = readCirculantLayers(model).filter((o) => !layers.some((l) => l.node === o.node));
  m.metadataProps.set(CIRCULANT_METADATA_KEY, JSON.stringify([...others, ...layers]));
  inferShapes(m);
  return m;
}

/** The model with its circulant layers back as plain nodes reading empty placeholder weights. */
function skeleton(model: Model, layers: readonly CirculantLayer[]): Model {
  const m = model.clone();
  const g = m.graph;
  for (const l of layers) {
    const placeholder = g.addInitializer(l.weight, new Tensor('float32', [0]));
    if (circulantModeOf(model, l) === 'dense') {
      const node = g.findNode(l.node);
      if (node === undefined) throw new SlimnetError('INVALID_ARGUMENT', `circulant layer '${l.node}' is not in the graph`);
      node.setInput(1, placeholder);
    } else {
      const bias = l.bias === undefined ? undefined : valueNamed(g, l.bias, 'bias');
      const inputs = l.op === 'Gemm' ? [valueNamed(g, l.input, 'input'), placeholder, bias] : [valueNamed(g, l.input, 'input'), placeholder];
      const node = g.createNode(l.op, inputs, 1, l.node);
      if (l.op === 'Gemm' && l.outMajor) node.setAttr('transB', 1);
      const y = valueNamed(g, l.output, 'output');
      rewire(g, y, node.output());
      y.name = `${l.output}__circulant`;
      node.output().name = l.output;
    }
  }
  eliminateDeadCode(m);
  m.metadataProps.delete(CIRCULANT_METADATA_KEY);
  g.sortTopologically();
  return m;
}

/** The same circulant model in the other form (identical r, D and every other parameter). */
export function circulantForm(model: Model, mode: CirculantMode): Model {
  const layers = readCirculantLayers(model);
  if (layers.length === 0) throw new SlimnetError('INVALID_ARGUMENT', `model has no circulant layers (metadata '${CIRCULANT_METADATA_KEY}' missing)`);
  const vectors = new Map(layers.map((l) => [l.weight, readVector(model, l)]));
  const signs = new Map(layers.map((l) => {
    const t = model.graph.initializers.get(l.signName)?.initializer;
    if (t === undefined || t.dtype !== 'int8') throw new SlimnetError('INVALID_ARGUMENT', `model has no int8 sign vector '${l.signName}'`);
    return [l.weight, Int8Array.from(t.toNumbers())];
  }));
  return applyCirculant(skeleton(model, layers), layers, vectors, signs, mode);
}
