/**
 * Atomic file output: write to a temporary file in the same directory, then rename over the target,
 * so a crash or Ctrl-C never leaves a half-written file. Refuses to overwrite protected paths (the
 * user's input model).
 */
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { SlimnetError } from '../ir/errors.js';

export interface AtomicWriteOptions {
  /** Paths that must never be written (e.g. the input model); compared after resolving. */
  readonly protect?: readonly string[];
}

export function atomicWrite(path: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): void {
  const target = resolve(path);
  for (const p of opts.protect ?? []) {
    if (resolve(p) === target) {
      throw new SlimnetError('IO', `refusing to overwrite the input file '${path}': choose another output path`);
    }
  }
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, target);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The temporary file could not even be created; nothing to clean up.
    }
    const msg = e instanceof Error ? e.message : String(e);
    throw new SlimnetError('IO', `cannot write '${path}': ${msg}`, { cause: e });
  }
}

/**
 * Fails early (before long work) when `path` could not be written: its nearest existing ancestor must be
 * a writable directory, and it must not be a protected path.
 */
export function checkWritable(path: string, opts: AtomicWriteOptions = {}): void {
  const target = resolve(path);
  for (const p of opts.protect ?? []) {
    if (resolve(p) === target) throw new SlimnetError('IO', `refusing to overwrite the input file '${path}': choose another output path`);
  }
  if (existsSync(target) && statSync(target).isDirectory()) throw new SlimnetError('IO', `cannot write '${path}': it is a directory`);
  let dir = dirname(target);
  while (!existsSync(dir)) dir = dirname(dir);
  try {
    if (!statSync(dir).isDirectory()) throw new Error(`'${dir}' is not a directory`);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new SlimnetError('IO', `cannot write '${path}': ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
