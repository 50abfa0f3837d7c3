/**
 * Training checkpoints: '<path>' is a plain ONNX inference model of the current weights (usable as is),
 * '<path>.state' holds everything needed to resume, in one file (format v2):
 *
 *   bytes 0..7     magic 'SLIMCKP2'
 *   bytes 8..11    header length H (uint32 LE)
 *   12..12+H       JSON header (checkpoint-header.ts): epochs done, optimizer step, history, the run's settings
 *                  and digests, the SHA-256 of the ONNX file it belongs to, and the tensor directory
 *   then           zero padding to a multiple of 4, then the data region: float32 LE tensors tiling it exactly
 *   last 32 bytes  SHA-256 of every byte before them
 *
 * Nothing in a state is accepted blindly: the checksum, every header field, the directory and the finiteness of
 * every value are checked, each failure a CHECKPOINT_INVALID error naming the file. The state is the source of
 * truth of a resume; checkpoint-pair.ts writes and reconciles the ONNX file that goes with it.
 */
import { SlimnetError } from '../ir/errors.js';
import { atomicWrite } from '../util/atomic-write.js';
import { readCheckpointFile, sha256Hex } from './checkpoint-file.js';
import {
  parseHeader, STATS_KEYS, type CheckpointSettings, type ModelLink, type StateHeader,
} from './checkpoint-header.js';
import type { EpochStats } from './types.js';

export type { CheckpointSettings, ModelLink } from './checkpoint-header.js';

const MAGIC = 'SLIMCKP2';
const MAGIC_V1 = 'SLIMCKP1';
const PREFIX = 12;
const DIGEST = 32;
/** Largest JSON header accepted (about 50 000 epochs of history): bounds what a hostile header can cost. */
export const MAX_HEADER_BYTES = 16 << 20;

/** Everything a resume needs, as stored in '<checkpoint>.state'. */
export interface CheckpointState {
  /** Completed epochs. */
  readonly epochsDone: number;
  /** Optimizer steps taken so far (Adam's bias correction). */
  readonly step: number;
  /** One entry per completed epoch, epochs 1..epochsDone. */
  readonly history: readonly EpochStats[];
  /** The settings and identities of the run that wrote it (a resume must match them). */
  readonly settings: CheckpointSettings;
  /** The checkpoint ONNX file this state belongs to. */
  readonly model: ModelLink;
  /** Tensors by name (parameter, running statistic or optimizer-state input name); every value finite. */
  readonly tensors: ReadonlyMap<string, Float32Array>;
}

/** The state file of a checkpoint. */
export function statePath(checkpoint: string): string {
  return `${checkpoint}.state`;
}

/** The v2 bytes of a state (tensors in map order); a header over MAX_HEADER_BYTES is refused. */
export function encodeState(s: CheckpointState): Uint8Array {
  const dir: Array<{ name: string; offset: number; length: number }> = [];
  let dataBytes = 0;
  for (const [name, t] of s.tensors) {
    dir.push({ name, offset: dataBytes, length: t.length });
    dataBytes += t.length * 4;
  }
  const header = {
    version: 2, epochsDone: s.epochsDone, step: s.step, history: s.history.map(storedStats),
    settings: s.settings, model: s.model, tensors: dir,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  if (json.length > MAX_HEADER_BYTES) {
    const why = `checkpoint state header of ${json.length} bytes is over the ${MAX_HEADER_BYTES}-byte limit`;
    throw new SlimnetError('INVALID_ARGUMENT', why);
  }
  const dataStart = align4(PREFIX + json.length);
  const out = new Uint8Array(dataStart + dataBytes + DIGEST);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, PREFIX);
  for (const [i, t] of [...s.tensors.values()].entries()) {
    out.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), dataStart + (dir[i]?.offset ?? 0));
  }
  const body = out.subarray(0, out.length - DIGEST);
  out.set(Buffer.from(sha256Hex(body), 'hex'), body.length);
  return out;
}

/** Decodes and fully validates state bytes; any defect is a CHECKPOINT_INVALID error naming `path`. */
export function decodeState(bytes: Uint8Array, path = '(in memory)'): CheckpointState {
  const bad = (why: string): SlimnetError =>
    new SlimnetError('CHECKPOINT_INVALID', `checkpoint state '${path}' is invalid: ${why}`);
  checkEnvelope(bytes, path, bad);
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (len > MAX_HEADER_BYTES) throw bad(`header length ${len} is over the ${MAX_HEADER_BYTES}-byte limit`);
  const dataStart = align4(PREFIX + len);
  const dataEnd = bytes.length - DIGEST;
  if (dataStart > dataEnd) throw bad(`header length ${len} runs past the end of the ${bytes.length}-byte file`);
  if (bytes.subarray(PREFIX + len, dataStart).some((b) => b !== 0)) throw bad('non-zero padding after the header');
  const header = parseHeader(parseJson(bytes.subarray(PREFIX, PREFIX + len), bad), dataEnd - dataStart, bad);
  return {
    epochsDone: header.epochsDone, step: header.step, history: header.history, settings: header.settings,
    model: header.model, tensors: readTensors(header, bytes.subarray(dataStart, dataEnd), bad),
  };
}

/** Writes '<checkpoint>.state' atomically. */
export function writeState(checkpoint: string, s: CheckpointState): void {
  atomicWrite(statePath(checkpoint), encodeState(s));
}

/**
 * The saved state, or undefined when there is none; a state file over `maxBytes` (default 4 GiB) or one that
 * is not a regular file is refused without reading it.
 */
export function readState(checkpoint: string, maxBytes = 2 ** 32): CheckpointState | undefined {
  const p = statePath(checkpoint);
  const bytes = readCheckpointFile(p, maxBytes);
  return bytes === undefined ? undefined : decodeState(bytes, p);
}

/** Magic, version and checksum, checked before anything else is read. */
function checkEnvelope(bytes: Uint8Array, path: string, bad: (why: string) => SlimnetError): void {
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic === MAGIC_V1) {
    throw new SlimnetError(
      'CHECKPOINT_INVALID',
      `checkpoint state '${path}' has format v1, which has no checksum and cannot be verified; ` +
        'train again without --resume to start afresh',
    );
  }
  if (bytes.length < PREFIX + DIGEST || magic !== MAGIC) {
    throw bad(`not a slimnet checkpoint state (bad magic, or only ${bytes.length} bytes)`);
  }
  const body = bytes.subarray(0, bytes.length - DIGEST);
  if (sha256Hex(body) !== Buffer.from(bytes.subarray(body.length)).toString('hex')) {
    throw bad('checksum mismatch (the file is corrupt or was modified)');
  }
}

function parseJson(bytes: Uint8Array, bad: (why: string) => SlimnetError): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch (e) {
    throw bad(`unreadable header (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Copies every tensor out of the data region; a NaN or infinite value is an error naming the tensor. */
function readTensors(h: StateHeader, data: Uint8Array, bad: (why: string) => SlimnetError): Map<string, Float32Array> {
  const tensors = new Map<string, Float32Array>();
  for (const t of h.tensors) {
    const copy = new Float32Array(t.length);
    new Uint8Array(copy.buffer).set(data.subarray(t.offset, t.offset + t.length * 4));
    const i = copy.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) throw bad(`tensor '${t.name}' has a non-finite value ${String(copy[i])} at index ${i}`);
    tensors.set(t.name, copy);
  }
  return tensors;
}

function align4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}

/** The stored fields of an epoch's statistics; JSON has no NaN, so testError NaN (validation off) is null. */
function storedStats(s: EpochStats): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const k of STATS_KEYS) out[k] = s[k];
  out.testError = Number.isNaN(s.testError) ? null : s.testError;
  return out;
}
