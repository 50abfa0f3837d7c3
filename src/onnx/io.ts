/** Reading and writing model files, with external tensor data next to the model. */
import { existsSync, rmSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import { dtypeBytes } from '../ir/dtype.js';
import type { Tensor, TensorStorage } from '../ir/tensor.js';
import { atomicWrite, refuseProtected } from '../util/atomic-write.js';
import { canonicalPath, sameFile } from '../util/file-identity.js';
import { contentDataName, dataFilesInUse, removeDataFiles, writeDataFile } from './data-files.js';
import { ExternalDataWriter } from './external-data.js';
import { isInside } from './external-file.js';
import { decodeModel, modelToProto, protoToBytes, type EncodeOptions } from './model-codec.js';
import { modelChangedSince, readModelFile } from './model-file.js';

/** Decoding attempts when the model file is replaced while it is being loaded. */
const LOAD_ATTEMPTS = 10;

function missingFile(e: unknown): boolean {
  if (!(e instanceof SlimnetError) || e.code !== 'IO') return false;
  return (e.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * Reads an ONNX file; external data is resolved relative to the file and must lie inside its directory.
 * Errors name the file. A model replaced by saveModel while it is being read (its old data file removed
 * meanwhile) is read again.
 */
export function loadModel(path: string): Model {
  for (let attempt = 1; ; attempt++) {
    const file = readModelFile(path);
    try {
      return decodeModel(file.bytes, { path });
    } catch (e) {
      if (attempt >= LOAD_ATTEMPTS || !missingFile(e) || !modelChangedSince(path, file)) throw e;
    }
  }
}

/** Where saveModel puts external tensor data. */
export interface ExternalDataOptions {
  /**
   * Data file name, relative to the model's directory. Default: '<model file name>.<16 hex digits>.data',
   * named by its content so that model and data are replaced as one (see data-files.ts). An explicit name
   * is written as given, data first, then the model: a reader may briefly see the new data with the old
   * model, and a reused name replaces the data of any other model that points at it.
   */
  readonly location?: string;
  /** Tensors of at least this many bytes go to the data file (default 1024). */
  readonly threshold?: number;
}

/** Options of saveModel. */
export interface SaveOptions extends EncodeOptions {
  /** Paths that must never be written (e.g. the input model), nor the data files they read. */
  readonly protect?: readonly string[];
  /**
   * External data. Default: tensors that were loaded from external data stay external (in a content-named
   * data file); an object also moves every tensor of `threshold` bytes or more there; false writes everything
   * inline.
   */
  readonly externalData?: ExternalDataOptions | false;
}

function checkLocation(location: string): void {
  const n = normalize(location);
  if (location === '' || isAbsolute(location) || n.startsWith('..')) {
    throw new SlimnetError(
      'INVALID_ARGUMENT',
      `external data location '${location}' must be a relative path inside the model's directory`,
    );
  }
}

function encodeForSave(model: Model, opts: SaveOptions, writer: ExternalDataWriter): ReturnType<typeof modelToProto> {
  const ext = opts.externalData;
  const threshold = ext === false || ext === undefined ? Infinity : (ext.threshold ?? 1024);
  const tensorForm = (t: Tensor): TensorStorage => {
    if (t.dtype === 'string') return 'typed';
    if (ext === false) return t.storage === 'external' ? 'raw' : t.storage;
    if (t.storage === 'external' || t.size * dtypeBytes(t.dtype) >= threshold) return 'external';
    return t.storage;
  };
  return modelToProto(model, {
    ...(opts.valueInfo === undefined ? {} : { valueInfo: opts.valueInfo }),
    tensorForm,
    sink: (bytes) => writer.add(bytes),
  });
}

/** Writes the data file (kept as is when a content-named one already holds `data`), then the model. */
function writePair(
  path: string, bytes: Uint8Array, location: string, data: Uint8Array,
  protect: readonly string[], contentNamed: boolean,
): void {
  const dataPath = join(dirname(path), location);
  if (sameFile(dataPath, path)) {
    throw new SlimnetError('INVALID_ARGUMENT', `external data location '${location}' is the model file itself`);
  }
  if (!isInside(canonicalPath(dirname(path)), canonicalPath(dataPath))) {
    const why = 'lies outside the model\'s directory (through a symlink), so loading the model would refuse it';
    throw new SlimnetError('INVALID_ARGUMENT', `external data location '${location}' ${why}`);
  }
  const existed = existsSync(dataPath);
  const created = writeDataFile(dataPath, data, protect, contentNamed);
  try {
    atomicWrite(path, bytes, { protect });
  } catch (e) {
    if (created && !existed) rmSync(dataPath, { force: true });
    throw e;
  }
}

/**
 * Writes a model atomically (temp file + rename). With external data the data file is written first (by
 * default under a content-derived name), then the model is renamed into place, then the data files the
 * replaced model used are removed. A failure removes a data file this call created and never leaves partial
 * files. Protected paths, and the data files a protected model read, are never written.
 */
export function saveModel(model: Model, path: string, opts: SaveOptions = {}): void {
  const ext = opts.externalData;
  const explicit = ext === false ? undefined : ext?.location;
  if (explicit !== undefined) checkLocation(explicit);
  const protect = opts.protect ?? [];
  refuseProtected(path, protect);
  const writer = new ExternalDataWriter(explicit ?? `${basename(path)}.data`);
  const proto = encodeForSave(model, opts, writer);
  const data = writer.isEmpty ? undefined : writer.bytes();
  if (data !== undefined && explicit === undefined) writer.location = contentDataName(basename(path), data);
  const bytes = protoToBytes(proto);
  const previous = dataFilesInUse(path);
  if (data === undefined) atomicWrite(path, bytes, { protect });
  else writePair(path, bytes, writer.location, data, protect, explicit === undefined);
  removeDataFiles(path, previous, data === undefined ? undefined : writer.location, protect);
}
