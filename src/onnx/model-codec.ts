/** ModelProto bytes <-> Model. */
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { ModelProtoSchema, type FunctionProto, type ModelProto } from 'onnx-buf';
import { dirname } from 'node:path';
import { SlimnetError } from '../ir/errors.js';
import { Model } from '../ir/graph.js';
import { findArityProblem } from './arity-check.js';
import { DecodeContext } from './context.js';
import { extras } from './extras.js';
import { decodeGraph } from './graph-decode.js';
import { encodeGraph, type GraphEncodeOptions } from './graph-encode.js';
import { describeWireProblem, findWireProblem } from './wire-check.js';

/** Options of decodeModel. */
export interface DecodeOptions {
  /** The file the bytes came from: named in errors, and external data is resolved next to it. */
  readonly path?: string;
  /** Directory for external data when it is not the directory of `path`. */
  readonly externalDataDir?: string;
}

/** Options of encodeModel / saveModel. */
export interface EncodeOptions {
  /** value_info to write: 'declared' (default, only names the source declared) or 'all' typed intermediates. */
  readonly valueInfo?: 'declared' | 'all';
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function parse(bytes: Uint8Array, ctx: DecodeContext): ModelProto {
  if (bytes.byteLength === 0) throw ctx.error('not a valid ONNX model: the file is empty');
  const wire = findWireProblem(bytes, ModelProtoSchema);
  if (wire !== undefined) throw ctx.error(`not a valid ONNX model: ${describeWireProblem(wire)}`);
  let mp: ModelProto;
  try {
    mp = fromBinary(ModelProtoSchema, bytes);
  } catch (e) {
    throw ctx.error(`not a valid ONNX model: ${errMessage(e)}`);
  }
  if (mp.graph === undefined) throw ctx.error('not a valid ONNX model: it has no graph');
  if (mp.irVersion <= 0n) throw ctx.error('not a valid ONNX model: ir_version is missing');
  const arity = findArityProblem(mp);
  if (arity !== undefined) throw ctx.error(`not a valid ONNX model: ${arity}`);
  return mp;
}

/**
 * Decodes ONNX model bytes strictly: a wire-format pre-pass (wire-check.ts), a graph and ir_version, node
 * arities against the operator schemas (arity-check.ts), then the graph itself. Every problem is an
 * ONNX_DECODE SlimnetError naming the file (`opts.path`) and the field, offset or node.
 */
export function decodeModel(bytes: Uint8Array, opts: DecodeOptions = {}): Model {
  const baseDir = opts.externalDataDir ?? (opts.path === undefined ? undefined : dirname(opts.path));
  const ctx = new DecodeContext(opts.path, baseDir);
  const mp = parse(bytes, ctx);
  let graph;
  try {
    graph = decodeGraph(mp.graph as NonNullable<ModelProto['graph']>, ctx, undefined, 'main graph');
  } catch (e) {
    if (e instanceof SlimnetError) throw e;
    throw ctx.error(`not a valid ONNX model: ${errMessage(e)}`);
  }
  const model = new Model(graph);
  model.irVersion = Number(mp.irVersion);
  model.opsetImports.clear();
  for (const op of mp.opsetImport) {
    const domain = op.domain === 'ai.onnx' ? '' : op.domain;
    if (!model.opsetImports.has(domain)) model.opsetImports.set(domain, Number(op.version));
  }
  model.producerName = mp.producerName;
  model.producerVersion = mp.producerVersion;
  model.domain = mp.domain;
  model.modelVersion = Number(mp.modelVersion);
  model.docString = mp.docString;
  for (const p of mp.metadataProps) model.metadataProps.set(p.key, p.value);
  model.functions = [...mp.functions];
  if (mp.trainingInfo.length > 0) extras.modelW(model).trainingInfo = mp.trainingInfo;
  if (mp.configuration.length > 0) extras.modelW(model).configuration = mp.configuration;
  return model;
}

function checkFunctions(functions: readonly unknown[]): FunctionProto[] {
  return functions.map((f, i) => {
    if (typeof f !== 'object' || f === null || (f as { $typeName?: unknown }).$typeName !== 'onnx.FunctionProto') {
      throw new SlimnetError('ONNX_ENCODE', `model.functions[${i}] is not a decoded FunctionProto`);
    }
    return f as FunctionProto;
  });
}

/** Builds the ModelProto (tensor placement per `graphOpts`). */
export function modelToProto(model: Model, graphOpts: GraphEncodeOptions): ModelProto {
  const init: MessageInitShape<typeof ModelProtoSchema> = {
    irVersion: BigInt(model.irVersion),
    opsetImport: [...model.opsetImports].map(([domain, version]) =>
      domain === '' ? { version: BigInt(version) } : { domain, version: BigInt(version) }),
    graph: encodeGraph(model.graph, graphOpts),
  };
  if (model.producerName !== '') init.producerName = model.producerName;
  if (model.producerVersion !== '') init.producerVersion = model.producerVersion;
  if (model.domain !== '') init.domain = model.domain;
  if (model.modelVersion !== 0) init.modelVersion = BigInt(model.modelVersion);
  if (model.docString !== '') init.docString = model.docString;
  if (model.metadataProps.size > 0) {
    init.metadataProps = [...model.metadataProps].map(([key, value]) => ({ key, value }));
  }
  if (model.functions.length > 0) init.functions = checkFunctions(model.functions);
  const ex = extras.model(model);
  if (ex?.trainingInfo !== undefined) init.trainingInfo = ex.trainingInfo;
  if (ex?.configuration !== undefined) init.configuration = ex.configuration;
  return create(ModelProtoSchema, init);
}

/** Serialises a ModelProto; failures are ONNX_ENCODE errors. */
export function protoToBytes(mp: ModelProto): Uint8Array {
  try {
    return toBinary(ModelProtoSchema, mp);
  } catch (e) {
    throw new SlimnetError('ONNX_ENCODE', `cannot serialise the model: ${errMessage(e)}`, { cause: e });
  }
}

/**
 * Encodes a model to ONNX bytes. Tensors keep their storage form; tensors loaded from external data
 * are written inline (raw), since plain bytes cannot point at a data file — use saveModel for that.
 */
export function encodeModel(model: Model, opts: EncodeOptions = {}): Uint8Array {
  const graphOpts: GraphEncodeOptions = {
    ...(opts.valueInfo === undefined ? {} : { valueInfo: opts.valueInfo }),
    tensorForm: (t) => (t.storage === 'external' ? 'raw' : t.storage),
  };
  return protoToBytes(modelToProto(model, graphOpts));
}
