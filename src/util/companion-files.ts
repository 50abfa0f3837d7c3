/**
 * Files a loaded file depends on, such as the external data files of an ONNX model. Loading registers them
 * here, so protecting the model (the `protect` option of atomicWrite, checkWritable and saveModel) also
 * protects every data file the model reads, without each caller having to list them.
 */
import { inodeKey } from './file-identity.js';

const companions = new Map<string, Set<string>>();

function key(file: string): string | undefined {
  return inodeKey(file);
}

/** Records that `file` reads `companion` (both as paths; `file` is keyed by its device + inode). */
export function registerCompanion(file: string, companion: string): void {
  const k = key(file);
  if (k === undefined) return;
  let set = companions.get(k);
  if (set === undefined) {
    set = new Set();
    companions.set(k, set);
  }
  set.add(companion);
}

/** The files registered as read by `file` (by whatever path reaches the same file); empty when none. */
export function companionsOf(file: string): string[] {
  const k = key(file);
  const set = k === undefined ? undefined : companions.get(k);
  return set === undefined ? [] : [...set];
}
