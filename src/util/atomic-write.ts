/**
 * Atomic file output: write to a temporary file in the same directory, then rename over the target,
 * so a crash or Ctrl-C never leaves a half-written file. Refuses to overwrite protected paths (the
 * user's input model and the files it reads), compared by real path and device + inode, so symlinks,
 * symlinked directories and hard links to an input are refused too.
 */
import {
  accessSync, closeSync, constants, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SlimnetError } from '../ir/errors.js';
import { companionsOf } from './companion-files.js';
import { fileIdentity, sameIdentity } from './file-identity.js';
import { removeStaleTemps, tempPathFor } from './temp-files.js';

/** Options of atomicWrite and checkWritable. */
export interface AtomicWriteOptions {
  /**
   * Paths that must never be written (e.g. the input model). Compared by real path and device + inode;
   * the files registered as read by them (see companion-files.ts: a loaded model's external data) count too.
   */
  readonly protect?: readonly string[];
}

/**
 * Throws IO when writing `path` would replace or write through a protected file or one of the files a
 * protected file reads. `path` need not exist.
 */
export function refuseProtected(path: string, protect: readonly string[] = []): void {
  if (protect.length === 0) return;
  const target = fileIdentity(path);
  for (const p of protect) {
    if (sameIdentity(target, fileIdentity(p))) {
      const same = path === p ? '' : ` (the same file as the input '${p}')`;
      throw new SlimnetError('IO', `refusing to overwrite the input file '${path}'${same}: choose another output path`);
    }
    for (const c of companionsOf(p)) {
      if (sameIdentity(target, fileIdentity(c))) {
        throw new SlimnetError(
          'IO',
          `refusing to overwrite '${path}': it is the data file '${c}' that the input '${p}' reads; ` +
            'choose another output path',
        );
      }
    }
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Best effort: the original error is the one to report.
  }
}

/**
 * Throws IO when `path` exists (symlinks followed) and is not a regular file: renaming over a device, FIFO or
 * socket would replace it (as root, `--out /dev/null` would replace the device node with a file).
 */
function refuseNonRegular(path: string): void {
  let st;
  try {
    st = statSync(resolve(path));
  } catch {
    return;
  }
  if (st.isFile()) return;
  const what = st.isDirectory() ? 'it is a directory' : 'it is not a regular file (a device, FIFO or socket)';
  throw new SlimnetError('IO', `cannot write '${path}': ${what}`);
}

/** Writes `data` to `path` atomically (see the module comment); removes stale temp files of the same target. */
export function atomicWrite(path: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): void {
  refuseProtected(path, opts.protect);
  refuseNonRegular(path);
  const target = resolve(path);
  const tmp = tempPathFor(target);
  let created = false;
  try {
    mkdirSync(dirname(target), { recursive: true });
    removeStaleTemps(target);
    // 'wx': never write through something already at the temporary name (such as a planted symlink).
    const fd = openSync(tmp, 'wx');
    created = true;
    try {
      writeFileSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (e) {
    if (created) removeQuietly(tmp);
    const msg = e instanceof Error ? e.message : String(e);
    throw new SlimnetError('IO', `cannot write '${path}': ${msg}`, { cause: e });
  }
}

/**
 * Fails early (before long work) when `path` could not be written: its nearest existing ancestor must be
 * a writable directory, it must not be a protected path (see refuseProtected), and if it exists it must be a
 * regular file.
 */
export function checkWritable(path: string, opts: AtomicWriteOptions = {}): void {
  refuseProtected(path, opts.protect);
  refuseNonRegular(path);
  const target = resolve(path);
  let dir = dirname(target);
  while (!existsSync(dir)) dir = dirname(dir);
  try {
    if (!statSync(dir).isDirectory()) throw new Error(`'${dir}' is not a directory`);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new SlimnetError('IO', `cannot write '${path}': ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
