/**
 * The JSON header of a checkpoint state (format v2) and its validation: every field must be present, of the
 * right type and in range, with no unknown field, before anything in it is used. A header that passes is
 * safe to index the data region with (offsets and lengths in range and non-overlapping, tiling it exactly).
 */
import type { SlimnetError } from '../ir/errors.js';
import type { OptimizerSpec } from './optimizer.js';
import type { Schedule } from './schedule.js';
import type { EpochStats } from './types.js';

/**
 * The settings and identities that determine a run's result, recorded so a resume can refuse to continue
 * a different run. Digests are SHA-256 in lowercase hex.
 */
export interface CheckpointSettings {
  readonly threads: number;
  readonly seed: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly optimizer: OptimizerSpec;
  readonly schedule: Schedule;
  readonly blockedConvs: boolean;
  /** Total epochs of the run that wrote the state (informational: a resume may ask for more). */
  readonly epochs: number;
  /** Digest of the training graph (model structure, frozen weights, optimizer, loss and compression hooks). */
  readonly graph: string;
  /** Digest of the training split (images, labels, sample shape). */
  readonly data: string;
  /** Digest of the pruning masks (names and values). */
  readonly masks: string;
}

/** Which checkpoint ONNX file a state belongs to: its digest, and the digest of the file it replaces. */
export interface ModelLink {
  /** SHA-256 (hex) of the ONNX bytes written with this state. */
  readonly sha256: string;
  /** SHA-256 of the ONNX file the previous checkpoint of the run wrote (null for a run's first one). */
  readonly previous: string | null;
}

/** One tensor of the data region: byte offset from the region's start, and float32 element count. */
export interface TensorEntry {
  readonly name: string;
  readonly offset: number;
  readonly length: number;
}

/** The decoded, validated header. */
export interface StateHeader {
  readonly version: 2;
  readonly epochsDone: number;
  readonly step: number;
  readonly history: readonly EpochStats[];
  readonly settings: CheckpointSettings;
  readonly model: ModelLink;
  readonly tensors: readonly TensorEntry[];
}

type Fail = (why: string) => SlimnetError;

const HEADER_KEYS = ['version', 'epochsDone', 'step', 'history', 'settings', 'model', 'tensors'] as const;
/** The EpochStats fields a state stores (and nothing else). */
export const STATS_KEYS = [
  'epoch', 'trainLoss', 'trainError', 'testError', 'lr', 'seconds', 'imagesPerSecond',
] as const;
const SETTINGS_KEYS = [
  'threads', 'seed', 'batchSize', 'lr', 'optimizer', 'schedule', 'blockedConvs', 'epochs', 'graph', 'data', 'masks',
] as const;

/** Validates a parsed header against a data region of `dataBytes` bytes; `fail` builds the error to throw. */
export function parseHeader(json: unknown, dataBytes: number, fail: Fail): StateHeader {
  const c = new Check(fail);
  const h = c.record(json, HEADER_KEYS, 'the header');
  if (h.version !== 2) throw fail(`header version is ${c.show(h.version)}, expected 2`);
  const epochsDone = c.int(h.epochsDone, 'epochsDone', 0);
  const history = c.array(h.history, 'history').map((s, i) => parseStats(c, s, i));
  if (history.length !== epochsDone) throw fail(`history has ${history.length} epochs, epochsDone is ${epochsDone}`);
  return {
    version: 2, epochsDone, step: c.int(h.step, 'step', 0), history,
    settings: parseSettings(c, h.settings), model: parseModelLink(c, h.model),
    tensors: parseDirectory(c, h.tensors, dataBytes),
  };
}

function parseStats(c: Check, v: unknown, i: number): EpochStats {
  const what = `history[${i}]`;
  const s = c.record(v, STATS_KEYS, what);
  const epoch = c.int(s.epoch, `${what}.epoch`, 1);
  if (epoch !== i + 1) throw c.fail(`${what}.epoch is ${epoch}, expected ${i + 1}`);
  return {
    epoch,
    trainLoss: c.num(s.trainLoss, `${what}.trainLoss`, -Infinity, Infinity),
    trainError: c.num(s.trainError, `${what}.trainError`, 0, 1),
    testError: s.testError === null ? NaN : c.num(s.testError, `${what}.testError`, 0, 1),
    lr: c.num(s.lr, `${what}.lr`, 0, Infinity),
    seconds: c.num(s.seconds, `${what}.seconds`, 0, Infinity),
    imagesPerSecond: c.num(s.imagesPerSecond, `${what}.imagesPerSecond`, 0, Infinity),
  };
}

function parseSettings(c: Check, v: unknown): CheckpointSettings {
  const s = c.record(v, SETTINGS_KEYS, 'settings');
  if (typeof s.blockedConvs !== 'boolean') {
    throw c.fail(`settings.blockedConvs must be a boolean, got ${c.show(s.blockedConvs)}`);
  }
  return {
    threads: c.int(s.threads, 'settings.threads', 1),
    seed: c.int(s.seed, 'settings.seed', Number.MIN_SAFE_INTEGER),
    batchSize: c.int(s.batchSize, 'settings.batchSize', 1),
    lr: c.num(s.lr, 'settings.lr', Number.MIN_VALUE, Infinity),
    optimizer: c.plainData(s.optimizer, 'settings.optimizer') as unknown as OptimizerSpec,
    schedule: c.plainData(s.schedule, 'settings.schedule') as unknown as Schedule,
    blockedConvs: s.blockedConvs,
    epochs: c.int(s.epochs, 'settings.epochs', 1),
    graph: c.digest(s.graph, 'settings.graph'),
    data: c.digest(s.data, 'settings.data'),
    masks: c.digest(s.masks, 'settings.masks'),
  };
}

function parseModelLink(c: Check, v: unknown): ModelLink {
  const m = c.record(v, ['sha256', 'previous'], 'model');
  const previous = m.previous === null ? null : c.digest(m.previous, 'model.previous');
  return { sha256: c.digest(m.sha256, 'model.sha256'), previous };
}

/** Entries with unique names whose byte ranges lie inside the data region, do not overlap and cover it. */
function parseDirectory(c: Check, v: unknown, dataBytes: number): TensorEntry[] {
  const names = new Set<string>();
  const entries = c.array(v, 'tensors').map((e, i): TensorEntry => {
    const t = c.record(e, ['name', 'offset', 'length'], `tensors[${i}]`);
    if (typeof t.name !== 'string' || t.name === '') throw c.fail(`tensors[${i}].name must be a non-empty string`);
    if (names.has(t.name)) throw c.fail(`tensor '${t.name}' appears twice`);
    names.add(t.name);
    const offset = c.int(t.offset, `offset of tensor '${t.name}'`, 0);
    const length = c.int(t.length, `length of tensor '${t.name}'`, 0);
    if (offset % 4 !== 0) throw c.fail(`tensor '${t.name}' starts at offset ${offset}, not a multiple of 4`);
    if (offset + length * 4 > dataBytes) {
      const range = `bytes ${offset}..${offset + length * 4}`;
      throw c.fail(`tensor '${t.name}' (${range}) extends past the ${dataBytes}-byte data region`);
    }
    return { name: t.name, offset, length };
  });
  checkTiling(c, entries, dataBytes);
  return entries;
}

function checkTiling(c: Check, entries: readonly TensorEntry[], dataBytes: number): void {
  let end = 0;
  let last = '';
  for (const t of [...entries].sort((a, b) => a.offset - b.offset)) {
    if (t.offset < end) throw c.fail(`tensors '${last}' and '${t.name}' overlap`);
    if (t.offset > end) throw c.fail(`bytes ${end}..${t.offset} of the data region belong to no tensor`);
    end = t.offset + t.length * 4;
    last = t.name;
  }
  if (end !== dataBytes) throw c.fail(`bytes ${end}..${dataBytes} of the data region belong to no tensor`);
}

/** Typed field checks, each failing with `fail` and a description of the field and its value. */
class Check {
  constructor(readonly fail: Fail) {}

  show(v: unknown): string {
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 40 ? `${s.slice(0, 40)}...` : s;
  }

  record<K extends string>(v: unknown, keys: readonly K[], what: string): Record<K, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw this.fail(`${what} is not an object`);
    const o = v as Record<string, unknown>;
    const missing = keys.find((k) => !Object.hasOwn(o, k));
    if (missing !== undefined) throw this.fail(`${what} has no '${missing}'`);
    const extra = Object.keys(o).find((k) => !(keys as readonly string[]).includes(k));
    if (extra !== undefined) throw this.fail(`${what} has an unknown field '${extra}'`);
    return o as Record<K, unknown>;
  }

  array(v: unknown, what: string): unknown[] {
    if (!Array.isArray(v)) throw this.fail(`${what} must be an array, got ${this.show(v)}`);
    return v as unknown[];
  }

  int(v: unknown, what: string, min: number): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      throw this.fail(`${what} must be an integer >= ${min}, got ${this.show(v)}`);
    }
    return v;
  }

  num(v: unknown, what: string, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw this.fail(`${what} must be a finite number in [${min}, ${max}], got ${this.show(v)}`);
    }
    return v;
  }

  digest(v: unknown, what: string): string {
    if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) {
      throw this.fail(`${what} must be a SHA-256 hex digest, got ${this.show(v)}`);
    }
    return v;
  }

  /** An object with a string `kind` whose other fields are finite numbers, booleans, strings or number arrays. */
  plainData(v: unknown, what: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw this.fail(`${what} is not an object`);
    const o = v as Record<string, unknown>;
    if (typeof o.kind !== 'string') throw this.fail(`${what}.kind must be a string, got ${this.show(o.kind)}`);
    for (const [k, x] of Object.entries(o)) {
      const ok = typeof x === 'boolean' || typeof x === 'string' || isFiniteNumber(x) ||
        (Array.isArray(x) && x.every(isFiniteNumber));
      if (!ok) throw this.fail(`${what}.${k} has an unexpected value ${this.show(x)}`);
    }
    return o;
  }
}

function isFiniteNumber(x: unknown): boolean {
  return typeof x === 'number' && Number.isFinite(x);
}
