/**
 * Training checkpoints: '<path>' is a plain ONNX inference model of the current weights (usable as is),
 * '<path>.state' holds everything needed to resume, in one file:
 *
 *   bytes 0..7   magic 'SLIMCKP1'
 *   bytes 8..11  header length H (uint32 LE)
 *   12..12+H     JSON header: epochs done, optimizer step, history, and the tensor directory
 *   then         float32 tensors (parameters, running statistics, optimizer state) at 4-byte-aligned offsets
 *
 * Both files are written atomically (temp file + rename); resume reads only the state file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SlimnetError } from '../ir/errors.js';
import { atomicWrite } from '../util/atomic-write.js';
import type { EpochStats } from './types.js';

const MAGIC = 'SLIMCKP1';

export interface CheckpointState {
  /** Completed epochs. */
  readonly epochsDone: number;
  /** Optimizer steps taken so far (Adam's bias correction). */
  readonly step: number;
  readonly history: readonly EpochStats[];
  /** Tensors by name (parameter, running statistic or optimizer-state input name). */
  readonly tensors: ReadonlyMap<string, Float32Array>;
}

interface Header {
  readonly version: 1;
  readonly epochsDone: number;
  readonly step: number;
  readonly history: readonly EpochStats[];
  readonly tensors: ReadonlyArray<{ readonly name: string; readonly offset: number; readonly length: number }>;
}

export function statePath(checkpoint: string): string {
  return `${checkpoint}.state`;
}

export function encodeState(s: CheckpointState): Uint8Array {
  const dir: Array<{ name: string; offset: number; length: number }> = [];
  let offset = 0;
  for (const [name, t] of s.tensors) {
    dir.push({ name, offset, length: t.length });
    offset += t.length * 4;
  }
  const header: Header = { version: 1, epochsDone: s.epochsDone, step: s.step, history: s.history.map(jsonSafeStats), tensors: dir };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align4(12 + json.length);
  const out = new Uint8Array(dataStart + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  for (const [i, t] of [...s.tensors.values()].entries()) {
    out.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), dataStart + (dir[i]?.offset ?? 0));
  }
  return out;
}

export function decodeState(bytes: Uint8Array, path = 'checkpoint state'): CheckpointState {
  const bad = (why: string): SlimnetError => new SlimnetError('IO', `'${path}' is not a slimnet checkpoint state: ${why}`);
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw bad('bad magic');
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + len > bytes.length) throw bad('truncated header');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len))) as Header;
  } catch (e) {
    throw bad(`unreadable header (${e instanceof Error ? e.message : String(e)})`);
  }
  if (header.version !== 1) throw bad(`unsupported version ${String(header.version)}`);
  const dataStart = align4(12 + len);
  const tensors = new Map<string, Float32Array>();
  for (const t of header.tensors) {
    const start = dataStart + t.offset;
    if (start + t.length * 4 > bytes.length) throw bad(`tensor '${t.name}' is truncated`);
    const copy = new Float32Array(t.length);
    new Uint8Array(copy.buffer).set(bytes.subarray(start, start + t.length * 4));
    tensors.set(t.name, copy);
  }
  return { epochsDone: header.epochsDone, step: header.step, history: header.history.map(revivedStats), tensors };
}

export function writeState(checkpoint: string, s: CheckpointState): void {
  atomicWrite(statePath(checkpoint), encodeState(s));
}

/** The saved state, or undefined when there is none. */
export function readState(checkpoint: string): CheckpointState | undefined {
  const p = statePath(checkpoint);
  if (!existsSync(p)) return undefined;
  return decodeState(readFileSync(p), p);
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** JSON has no NaN: testError NaN (validation off) is stored as null. */
function jsonSafeStats(s: EpochStats): EpochStats {
  return { ...s, testError: Number.isNaN(s.testError) ? (null as unknown as number) : s.testError };
}

function revivedStats(s: EpochStats): EpochStats {
  return { ...s, testError: s.testError === null ? NaN : s.testError };
}
