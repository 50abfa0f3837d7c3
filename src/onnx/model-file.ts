/**
 * Reading a model file safely: it must be a regular file (a FIFO or device is refused without blocking)
 * no larger than protobuf can parse, and only the bytes its size announces are read.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { SlimnetError } from '../ir/errors.js';

/** Protobuf messages cannot exceed 2 GiB. */
const MAX_MODEL_BYTES = 2 ** 31 - 1;

/** A model file's bytes and the identity of the file they came from. */
export interface ModelFile {
  readonly bytes: Uint8Array;
  /** 'dev:ino:mtime' of the file read, to notice a replacement. */
  readonly version: string;
}

function versionOf(s: { dev: bigint; ino: bigint; mtimeNs: bigint; size: bigint }): string {
  return `${s.dev}:${s.ino}:${s.mtimeNs}:${s.size}`;
}

function fail(path: string, why: string, cause?: unknown): SlimnetError {
  return new SlimnetError('IO', `cannot read model '${path}': ${why}`, cause === undefined ? undefined : { cause });
}

function readAll(fd: number, size: number, path: string): Uint8Array {
  const bytes = new Uint8Array(size);
  let done = 0;
  while (done < size) {
    const n = readSync(fd, bytes, done, size - done, done);
    if (n === 0) throw fail(path, `the file ended after ${done} of ${size} bytes (it changed while being read)`);
    done += n;
  }
  return bytes;
}

/** Reads the model file at `path` (symlinks followed). Throws IO naming the file. */
export function readModelFile(path: string): ModelFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw fail(path, e instanceof Error ? e.message : String(e), e);
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile()) throw fail(path, st.isDirectory() ? 'it is a directory' : 'it is not a regular file');
    if (st.size > BigInt(MAX_MODEL_BYTES)) {
      throw fail(path, `it has ${st.size} bytes, more than the 2 GiB an ONNX protobuf can hold (use external data)`);
    }
    return { bytes: readAll(fd, Number(st.size), path), version: versionOf(st) };
  } finally {
    closeSync(fd);
  }
}

/** Whether the file at `path` is no longer the one `file` was read from. */
export function modelChangedSince(path: string, file: ModelFile): boolean {
  try {
    return versionOf(statSync(path, { bigint: true })) !== file.version;
  } catch {
    return true;
  }
}
