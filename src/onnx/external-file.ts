/**
 * Safe access to external data files. A tensor's 'location' must resolve (symlinks followed) to a regular
 * file inside the model's directory; this is checked with realpath + stat before anything is opened. The
 * file is then opened with O_NOFOLLOW | O_NONBLOCK (a FIFO or device swapped in meanwhile can neither
 * redirect nor block the read), the opened descriptor must be the same regular file (device + inode) that
 * was checked, and only the requested byte range is read. Symlinks whose target stays inside the model's
 * directory are accepted.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync, type BigIntStats } from 'node:fs';
import { isAbsolute, relative, resolve, sep, win32 } from 'node:path';
import type { ErrorCode, SlimnetError } from '../ir/errors.js';

/** Builds the error to throw (the decode context prefixes the model file's name). */
export type FailFn = (message: string, code: ErrorCode, cause?: unknown) => SlimnetError;

/** An external data file that passed the checks. */
export interface ExternalFile {
  /** The location as the model spells it. */
  readonly location: string;
  /** Its real path (inside the model's directory). */
  readonly realPath: string;
  /** 'dev:ino' of the checked file. */
  readonly inode: string;
  /** Its size in bytes when checked. */
  readonly size: number;
}

/** Observer of external data reads (see externalOpenProbe). */
export type ExternalOpenObserver = (realPath: string, offset: number, length: number) => void;

/**
 * Test hook: `onOpen` is called with the path and byte range of every external data read just before the
 * file is opened. Tests use it to check that nothing outside the model's directory is ever opened, and how
 * many bytes are read.
 */
export const externalOpenProbe: { onOpen: ExternalOpenObserver | undefined } = { onOpen: undefined };

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Whether `path` lies strictly below the directory `dir` (both absolute and canonical). */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

type KindStats = Pick<BigIntStats, 'isDirectory' | 'isFIFO' | 'isCharacterDevice' | 'isBlockDevice' | 'isSocket'>;

function describeKind(s: KindStats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Checks `location` for tensor `tensorName` against the model's directory `modelDir` (a real path) and
 * returns the file it names. Opens nothing.
 */
export function resolveExternalFile(
  modelDir: string, location: string, tensorName: string, fail: FailFn,
): ExternalFile {
  const named = `external data location '${location}' of tensor '${tensorName}'`;
  if (location === '' || location.includes('\0') || isAbsolute(location) || win32.isAbsolute(location)) {
    throw fail(`${named} is invalid (must be a relative path inside the model's directory)`, 'ONNX_DECODE');
  }
  const full = resolve(modelDir, location);
  if (!isInside(modelDir, full)) {
    throw fail(`${named} points outside the model's directory '${modelDir}'`, 'ONNX_DECODE');
  }
  const unreadable = (e: unknown): SlimnetError =>
    fail(`cannot read external data file '${location}' of tensor '${tensorName}' (${full}): ${errText(e)}`, 'IO', e);
  let real: string;
  try {
    real = realpathSync(full);
  } catch (e) {
    throw unreadable(e);
  }
  if (!isInside(modelDir, real)) {
    const why = `leads outside the model's directory '${modelDir}' (through a symlink, to '${real}')`;
    throw fail(`${named} ${why}`, 'ONNX_DECODE');
  }
  let st: BigIntStats;
  try {
    st = statSync(real, { bigint: true });
  } catch (e) {
    throw unreadable(e);
  }
  if (!st.isFile()) throw fail(`${named} names ${describeKind(st)}, not a regular file`, 'ONNX_DECODE');
  return { location, realPath: real, inode: `${st.dev}:${st.ino}`, size: Number(st.size) };
}

function readFully(fd: number, into: Uint8Array, position: number): number {
  let done = 0;
  while (done < into.byteLength) {
    const n = readSync(fd, into, done, into.byteLength - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Reads bytes offset..offset+length of a checked file, re-verifying that the opened file is the checked one. */
export function readExternalRange(
  file: ExternalFile, offset: number, length: number, tensorName: string, fail: FailFn,
): Uint8Array {
  const named = `external data file '${file.location}' of tensor '${tensorName}'`;
  externalOpenProbe.onOpen?.(file.realPath, offset, length);
  let fd: number;
  try {
    fd = openSync(file.realPath, OPEN_FLAGS);
  } catch (e) {
    throw fail(`cannot read ${named} (${file.realPath}): ${errText(e)}`, 'IO', e);
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile() || `${st.dev}:${st.ino}` !== file.inode) {
      const why = `${file.realPath} is no longer the file that was checked`;
      throw fail(`${named} changed while it was being read (${why})`, 'IO');
    }
    if (offset + length > Number(st.size)) {
      throw fail(`${named} is too short: needs bytes ${offset}..${offset + length}, the file has ${st.size}`, 'IO');
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(length);
    } catch (e) {
      throw fail(`${named}: cannot allocate ${length} bytes (${errText(e)})`, 'IO', e);
    }
    const got = readFully(fd, bytes, offset);
    if (got !== length) throw fail(`${named} ended after ${got} of ${length} bytes at offset ${offset}`, 'IO');
    return bytes;
  } finally {
    closeSync(fd);
  }
}
