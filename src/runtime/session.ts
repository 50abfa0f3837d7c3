/**
 * onnxruntime sessions over slimnet models. This directory is the only place that imports
 * onnxruntime-node; everything else passes slimnet Tensors / Models through these functions.
 */
import * as ort from 'onnxruntime-node';
import type { DType } from '../ir/dtype.js';
import { SlimnetError, UnsupportedOpError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import type { Shape } from '../ir/shape.js';
import { Tensor, type TensorData } from '../ir/tensor.js';
import { encodeModel } from '../onnx/index.js';

/** Options of `Session.create`: threads, graph optimisation level, spinning, memory pattern, optimised model output. */
export interface SessionOptions {
  /** Intra-op threads (default 2, the machine's core count in our measurements). */
  readonly threads?: number;
  /** onnxruntime graph optimisation level (default 'all'). */
  readonly optimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Let idle intra-op workers spin (default false: spinning steals the other core from the next run). */
  readonly allowSpinning?: boolean;
  /** Write onnxruntime's optimised graph here (used to verify int8 fusion). */
  readonly optimizedModelPath?: string;
  /** Enable onnxruntime's memory-pattern / arena optimisations (default true). */
  readonly memoryPattern?: boolean;
}

/** What onnxruntime reports about a model input or output. */
export interface SessionValueInfo {
  readonly name: string;
  /** Element type; undefined for non-tensor values or types slimnet does not model. */
  readonly dtype: DType | undefined;
  /** Declared shape (symbolic dims as names, unknown dims as null); undefined when not declared. */
  readonly shape: Shape | undefined;
}

/** Feeds: input name -> tensor (a slimnet Tensor, or a typed array with dims). */
export type Feeds = Readonly<Record<string, Tensor>>;

/**
 * An onnxruntime inference session over a slimnet Model or ONNX bytes: `Session.create(...)`, `run(feeds)`,
 * `release()`. The only way slimnet runs models.
 */
export class Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Declared inputs, in order (from onnxruntime's metadata). */
  readonly inputs: readonly SessionValueInfo[];
  /** Declared outputs, in order. */
  readonly outputs: readonly SessionValueInfo[];
  private readonly inner: ort.InferenceSession;

  private constructor(inner: ort.InferenceSession) {
    this.inner = inner;
    this.inputNames = inner.inputNames;
    this.outputNames = inner.outputNames;
    this.inputs = valueInfos(inner.inputNames, inner.inputMetadata);
    this.outputs = valueInfos(inner.outputNames, inner.outputMetadata);
  }

  static async create(model: Model | Uint8Array, opts: SessionOptions = {}): Promise<Session> {
    const bytes = model instanceof Uint8Array ? model : encodeModel(model);
    const options: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: opts.threads ?? 2,
      interOpNumThreads: 1,
      graphOptimizationLevel: opts.optimizationLevel ?? 'all',
      // Warnings only (e.g. 'initializer not used'); errors still surface as exceptions.
      logSeverityLevel: 3,
      executionMode: 'sequential',
      enableMemPattern: opts.memoryPattern ?? true,
      extra: { session: { 'intra_op.allow_spinning': opts.allowSpinning === true ? '1' : '0' } },
      ...(opts.optimizedModelPath === undefined ? {} : { optimizedModelFilePath: opts.optimizedModelPath }),
    };
    try {
      return new Session(await ort.InferenceSession.create(bytes, options));
    } catch (e) {
      throw loadError(e, model instanceof Uint8Array ? undefined : model);
    }
  }

  /** Runs the model. Returns the requested outputs (all by default) as slimnet Tensors. */
  async run(feeds: Feeds, outputs?: readonly string[]): Promise<Record<string, Tensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrt(t);
    let result: ort.InferenceSession.OnnxValueMapType;
    try {
      result = outputs === undefined ? await this.inner.run(ortFeeds) : await this.inner.run(ortFeeds, [...outputs]);
    } catch (e) {
      throw new SlimnetError('RUNTIME', `onnxruntime run failed: ${errMessage(e)}`, { cause: e });
    }
    const out: Record<string, Tensor> = {};
    for (const [name, v] of Object.entries(result)) out[name] = fromOrt(v as ort.Tensor, name);
    return out;
  }

  async release(): Promise<void> {
    await this.inner.release();
  }
}

function valueInfos(names: readonly string[], meta: readonly ort.InferenceSession.ValueMetadata[] | undefined): SessionValueInfo[] {
  return names.map((name, i) => {
    const m = meta?.find((v) => v.name === name) ?? meta?.[i];
    if (m === undefined || !m.isTensor) return { name, dtype: undefined, shape: undefined };
    const dtype = (Object.keys(ORT_TYPE) as DType[]).find((d) => ORT_TYPE[d] === m.type);
    const shape = m.shape.map((d) => (typeof d === 'number' ? (d >= 0 ? d : null) : d === '' ? null : d));
    return { name, dtype, shape };
  });
}

/** onnxruntime's load failure as a typed error; a missing kernel becomes UnsupportedOpError naming the node. */
function loadError(e: unknown, model: Model | undefined): SlimnetError {
  const msg = errMessage(e);
  const missing = /Could not find an implementation for (\w+)\((\d+)\) node with name '([^']*)'/.exec(msg);
  if (missing !== null) return new UnsupportedOpError(missing[1] as string, missing[3] as string, `onnxruntime execution (opset ${missing[2] as string})`);
  const unknown = /No Op registered for (\w+) with domain_version of (\d+)/.exec(msg);
  if (unknown !== null) {
    const node = /Node \(([^)]*)\)/.exec(msg)?.[1] ?? model?.graph.nodes.find((n) => n.opType === unknown[1])?.name ?? '?';
    return new UnsupportedOpError(unknown[1] as string, node, `onnxruntime execution (no such op at opset ${unknown[2] as string})`);
  }
  return new SlimnetError('RUNTIME', `onnxruntime could not load the model: ${msg}`, { cause: e });
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const ORT_TYPE: Partial<Record<DType, ort.Tensor.Type>> = {
  float32: 'float32', float64: 'float64', float16: 'float16', int8: 'int8', uint8: 'uint8', int16: 'int16',
  uint16: 'uint16', int32: 'int32', uint32: 'uint32', int64: 'int64', uint64: 'uint64', bool: 'bool', string: 'string',
};

export function toOrt(t: Tensor): ort.Tensor {
  const type = ORT_TYPE[t.dtype];
  if (type === undefined) throw new SlimnetError('RUNTIME', `dtype ${t.dtype} cannot be fed to onnxruntime`);
  return new ort.Tensor(type, t.data as never, [...t.dims]);
}

export function fromOrt(v: ort.Tensor, name: string): Tensor {
  const dtype = (Object.keys(ORT_TYPE) as DType[]).find((d) => ORT_TYPE[d] === v.type);
  if (dtype === undefined) throw new SlimnetError('RUNTIME', `output '${name}' has unsupported type ${v.type}`);
  return new Tensor(dtype, v.dims, v.data as TensorData);
}
