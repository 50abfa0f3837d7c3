/**
 * Atomic file output: write to a temporary file in the same directory, then rename over the target,
 * so a crash or Ctrl-C never leaves a half-written file. Refuses to overwrite protected paths (the
 * user's input model).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
    rmSync(tmp, { force: true });
    const msg = e instanceof Error ? e.message : String(e);
    throw new SlimnetError('IO', `cannot write '${path}': ${msg}`, { cause: e });
  }
}
