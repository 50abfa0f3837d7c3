/**
 * Temporary files of atomic writes: '.<name>.<pid>.<ms>.tmp' beside the target '<name>'. A process killed
 * between creating and renaming one (kill -9, power loss) leaves it behind; the next write of the same
 * target removes those whose process is gone.
 */
import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The temporary file an atomic write of `target` (an absolute path) uses in this process now. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether a process with this id exists (conservative: true unless the system says there is none). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes the temporary files of earlier writes of `target` (an absolute path) whose writing process no
 * longer runs; returns their names. Files of live processes (including this one) are left alone, and
 * failures are ignored: cleaning up is best effort and must never stop a write.
 */
export function removeStaleTemps(target: string): string[] {
  const dir = dirname(target);
  const pattern = new RegExp(`^\\.${escapeRegExp(basename(target))}\\.(\\d+)\\.\\d+\\.tmp$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1] ?? NaN);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || processAlive(pid)) continue;
    try {
      rmSync(join(dir, name));
      removed.push(name);
    } catch {
      // Not ours to remove after all (a directory, or no permission): leave it.
    }
  }
  return removed;
}
