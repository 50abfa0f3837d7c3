/**
 * Reading checkpoint files defensively (a regular file of bounded size, never blocking on a FIFO or device)
 * and the SHA-256 digests that bind a checkpoint's files and settings together.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { SlimnetError } from '../ir/errors.js';

/** SHA-256 (lowercase hex) of the concatenated byte views. */
export function sha256Hex(...parts: ReadonlyArray<ArrayBufferView>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  return h.digest('hex');
}

/**
 * The bytes of `path`, or undefined when it does not exist. Anything but a regular file (a directory, FIFO,
 * device), a file over `maxBytes`, or a file that changes size while read is an IO error naming it.
 */
export function readCheckpointFile(path: string, maxBytes: number): Uint8Array | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(path, e instanceof Error ? e.message : String(e), e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw ioError(path, 'not a regular file');
    if (st.size > maxBytes) {
      throw ioError(path, `${st.size} bytes, more than the ${maxBytes} a checkpoint of this run can have`);
    }
    return readAll(fd, st.size, path);
  } finally {
    closeSync(fd);
  }
}

function readAll(fd: number, size: number, path: string): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  while (at < size) {
    const n = readSync(fd, out, at, size - at, at);
    if (n === 0) throw ioError(path, `the file shrank while being read (${at} of ${size} bytes)`);
    at += n;
  }
  if (readSync(fd, new Uint8Array(1), 0, 1, size) !== 0) throw ioError(path, 'the file grew while being read');
  return out;
}

function ioError(path: string, why: string, cause?: unknown): SlimnetError {
  const options = cause === undefined ? undefined : { cause };
  return new SlimnetError('IO', `cannot read checkpoint file '${path}': ${why}`, options);
}
