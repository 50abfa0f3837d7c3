/**
 * What file a path really names: its canonical path (symlinks resolved, even when the file does not exist
 * yet) and, when it exists, its device + inode. Two paths name the same file when either matches, which
 * catches symlinks, symlinked directories, hard links and different spellings alike.
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** A path's identity on disk. */
export interface FileIdentity {
  /** The canonical path: the realpath of the nearest existing ancestor joined with the rest. */
  readonly canonical: string;
  /** 'dev:ino' of the file the path reaches (following symlinks); undefined when nothing is there. */
  readonly inode: string | undefined;
}

/**
 * The canonical form of `path`: realpath when it exists, otherwise the realpath of its nearest existing
 * ancestor directory joined with the components below it.
 */
export function canonicalPath(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    if (parent === abs) return abs;
    return join(canonicalPath(parent), basename(abs));
  }
}

/** 'dev:ino' of the file `path` reaches (following symlinks), or undefined when it cannot be stat'ed. */
export function inodeKey(path: string): string | undefined {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/** The identity of `path` (see FileIdentity). */
export function fileIdentity(path: string): FileIdentity {
  return { canonical: canonicalPath(path), inode: inodeKey(path) };
}

/** Whether two identities name the same file (same canonical path, or same device + inode). */
export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.canonical === b.canonical || (a.inode !== undefined && a.inode === b.inode);
}

/** Whether two paths name the same file. */
export function sameFile(a: string, b: string): boolean {
  return sameIdentity(fileIdentity(a), fileIdentity(b));
}
