/**
 * Content-named external data files, which make a saved model + data pair atomic. saveModel names the data
 * file '<model file name>.<first 16 hex digits of its SHA-256>.data', writes it first, then renames the model
 * (which references it) into place. A reader therefore always finds a model whose data file exists and holds
 * the bytes that model expects. The data files the replaced model used (our own naming pattern, referenced
 * by the old model) are removed after the rename, unless protected.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { atomicWrite, refuseProtected } from '../util/atomic-write.js';

/** Old models larger than this are not scanned for the data files they use (which are then kept). */
const MAX_SCAN_BYTES = 256 * 1024 * 1024;

function digest(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

/** The content-derived data file name for model file `modelName` and data `data`. */
export function contentDataName(modelName: string, data: Uint8Array): string {
  return `${modelName}.${digest(data)}.data`;
}

/** Whether `name` follows the content-derived naming pattern of model file `modelName`. */
export function isContentDataName(modelName: string, name: string): boolean {
  if (name.length !== modelName.length + 22 || !name.startsWith(modelName)) return false;
  return /^\.[0-9a-f]{16}\.data$/.test(name.slice(modelName.length));
}

function sameBytes(path: string, data: Uint8Array): boolean {
  let fd: number | undefined;
  try {
    if (!lstatSync(path).isFile()) return false;
    fd = openSync(path, 'r');
    if (fstatSync(fd).size !== data.byteLength) return false;
    const bytes = new Uint8Array(data.byteLength);
    let done = 0;
    while (done < bytes.byteLength) {
      const n = readSync(fd, bytes, done, bytes.byteLength - done, done);
      if (n === 0) return false;
      done += n;
    }
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(data);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes the data file `dataPath` atomically, or keeps it when a content-named file there already holds
 * exactly `data`. Returns whether a new file was written.
 */
export function writeDataFile(
  dataPath: string, data: Uint8Array, protect: readonly string[], contentNamed: boolean,
): boolean {
  if (contentNamed && sameBytes(dataPath, data)) return false;
  atomicWrite(dataPath, data, { protect });
  return true;
}

/**
 * The content-named data files of model `modelPath` that the model now at that path references (found by
 * name in its bytes); empty when there is no such model or it is too large to scan.
 */
export function dataFilesInUse(modelPath: string): string[] {
  const name = basename(modelPath);
  let candidates: string[];
  let bytes: Buffer;
  try {
    candidates = readdirSync(dirname(modelPath)).filter((n) => isContentDataName(name, n));
    if (candidates.length === 0) return [];
    const st = lstatSync(modelPath);
    if (!st.isFile() || st.size > MAX_SCAN_BYTES) return [];
    bytes = readFileSync(modelPath);
  } catch {
    return [];
  }
  return candidates.filter((n) => bytes.includes(n));
}

/**
 * Removes the data files in `previous` (names beside `modelPath`) other than `keep`, skipping protected ones.
 * Best effort; returns the names removed.
 */
export function removeDataFiles(
  modelPath: string, previous: readonly string[], keep: string | undefined, protect: readonly string[],
): string[] {
  const removed: string[] = [];
  for (const name of previous) {
    if (name === keep) continue;
    const p = join(dirname(modelPath), name);
    try {
      refuseProtected(p, protect);
      rmSync(p);
      removed.push(name);
    } catch {
      // Protected, already gone or not removable: leave it.
    }
  }
  return removed;
}
