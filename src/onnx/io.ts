/** Reading and writing model files, with external tensor data next to the model. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import { dtypeBytes } from '../ir/dtype.js';
import type { Tensor, TensorStorage } from '../ir/tensor.js';
import { atomicWrite } from '../util/atomic-write.js';
import { ExternalDataWriter } from './external-data.js';
import { decodeModel, modelToProto, protoToBytes, type EncodeOptions } from './model-codec.js';

/** Reads an ONNX file; external data is resolved relative to the file. Errors name the file. */
export function loadModel(path: string): Model {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new SlimnetError('IO', `cannot read model '${path}': ${msg}`, { cause: e });
  }
  return decodeModel(bytes, { path });
}

export interface ExternalDataOptions {
  /** Data file name, relative to the model's directory (default '<model file name>.data'). */
  readonly location?: string;
  /** Tensors of at least this many bytes go to the data file (default 1024). */
  readonly threshold?: number;
}

export interface SaveOptions extends EncodeOptions {
  /** Paths that must never be written (e.g. the input model). */
  readonly protect?: readonly string[];
  /**
   * External data. Default: tensors that were loaded from external data stay external (in
   * '<model file name>.data'); an object also moves every tensor of `threshold` bytes or more there;
   * false writes everything inline.
   */
  readonly externalData?: ExternalDataOptions | false;
}

function checkLocation(location: string): void {
  const n = normalize(location);
  if (location === '' || isAbsolute(location) || n.startsWith('..')) {
    throw new SlimnetError('INVALID_ARGUMENT', `external data location '${location}' must be a relative path inside the model's directory`);
  }
}

/**
 * Writes a model atomically (temp file + rename). With external data the data file is written first,
 * then the model; a failure removes a data file this call created, and never leaves partial files.
 */
export function saveModel(model: Model, path: string, opts: SaveOptions = {}): void {
  const ext = opts.externalData;
  const location = (ext === false ? undefined : ext?.location) ?? `${basename(path)}.data`;
  checkLocation(location);
  const dataPath = join(dirname(path), location);
  const protect = opts.protect ?? [];
  const refuseProtected = (target: string): void => {
    if (protect.some((p) => resolve(p) === resolve(target))) {
      throw new SlimnetError('IO', `refusing to overwrite the input file '${target}': choose another output path`);
    }
  };
  refuseProtected(path);
  const threshold = ext === false || ext === undefined ? Infinity : (ext.threshold ?? 1024);
  const writer = new ExternalDataWriter(location);
  const tensorForm = (t: Tensor): TensorStorage => {
    if (t.dtype === 'string') return 'typed';
    if (ext === false) return t.storage === 'external' ? 'raw' : t.storage;
    if (t.storage === 'external' || t.size * dtypeBytes(t.dtype) >= threshold) return 'external';
    return t.storage;
  };
  const proto = modelToProto(model, {
    ...(opts.valueInfo === undefined ? {} : { valueInfo: opts.valueInfo }),
    tensorForm,
    sink: (bytes) => writer.add(bytes),
  });
  const bytes = protoToBytes(proto);
  if (writer.isEmpty) {
    atomicWrite(path, bytes, { protect });
    return;
  }
  refuseProtected(dataPath);
  if (resolve(dataPath) === resolve(path)) {
    throw new SlimnetError('INVALID_ARGUMENT', `external data location '${location}' is the model file itself`);
  }
  const dataExisted = existsSync(dataPath);
  atomicWrite(dataPath, writer.bytes(), { protect });
  try {
    atomicWrite(path, bytes, { protect });
  } catch (e) {
    if (!dataExisted) rmSync(dataPath, { force: true });
    throw e;
  }
}
