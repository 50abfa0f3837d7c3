/**
 * Resuming a run from a checkpoint, never blindly: the state must exist and be valid (checkpoint.ts), must have
 * been written with the settings that decide the result (threads, seed, batch size, learning rate, optimizer,
 * schedule, convolution kernels) and for the same training graph, data and masks, and must hold exactly the
 * tensors this run trains. Only the total number of epochs may change. Each refusal is a typed error naming the
 * file, and the flag with both values where a setting differs.
 */
import { existsSync } from 'node:fs';
import type { Split } from '../data/types.js';
import { SlimnetError } from '../ir/errors.js';
import { MAX_HEADER_BYTES, readState, statePath, type CheckpointSettings, type CheckpointState } from './checkpoint.js';
import { sha256Hex } from './checkpoint-file.js';
import { formatSchedule, type Schedule } from './schedule.js';
import type { TrainRequest } from './types.js';

/** Room for a state's prefix, JSON header (history, directory), padding and checksum beyond its tensors. */
const HEADER_ALLOWANCE = MAX_HEADER_BYTES + 64;

/** A setting that must not change on resume, and the command-line flag that sets it (none: library only). */
interface Fixed {
  readonly key: 'threads' | 'seed' | 'batchSize' | 'lr' | 'optimizer' | 'schedule' | 'blockedConvs';
  readonly flag?: string;
}

const FIXED: readonly Fixed[] = [
  { key: 'threads', flag: '--threads' },
  { key: 'seed', flag: '--seed' },
  { key: 'batchSize', flag: '--batch-size' },
  { key: 'lr', flag: '--lr' },
  { key: 'optimizer', flag: '--optimizer/--momentum/--nesterov/--weight-decay' },
  { key: 'schedule', flag: '--schedule' },
  { key: 'blockedConvs' },
];

/** The settings and identities of this run, as its checkpoints record them (hashes the training split once). */
export function runSettings(req: TrainRequest, train: Split): CheckpointSettings {
  return {
    threads: req.threads, seed: req.seed, batchSize: req.batchSize, lr: req.lr,
    optimizer: req.optimizer, schedule: req.schedule, blockedConvs: req.blockedConvs, epochs: req.epochs,
    graph: sha256Hex(req.trainingGraph), data: splitDigest(train), masks: masksDigest(req.masks),
  };
}

/**
 * The state to resume `req` from, checked against `settings` (runSettings of this run). No state file is an
 * INVALID_ARGUMENT error (a resume never silently starts afresh); so is any difference in what decides the result.
 */
export function resumeState(req: TrainRequest, settings: CheckpointSettings): CheckpointState {
  const ck = req.checkpoint;
  if (ck === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'train: resume needs a checkpoint path');
  const sp = statePath(ck);
  const expected = expectedTensors(req);
  const dataBytes = [...expected.values()].reduce((a, n) => a + 4 * n, 0);
  const state = readState(ck, dataBytes + HEADER_ALLOWANCE);
  if (state === undefined) throw noState(ck);
  checkFixed(sp, state.settings, settings);
  checkIdentity(sp, state.settings, settings);
  checkTensors(sp, state, expected);
  return state;
}

/** Fails early (before graphs are built) when there is no state to resume from at `checkpoint`. */
export function requireState(checkpoint: string): void {
  if (!existsSync(statePath(checkpoint))) throw noState(checkpoint);
}

function noState(ck: string): SlimnetError {
  return new SlimnetError(
    'INVALID_ARGUMENT',
    `cannot resume: there is no checkpoint state '${statePath(ck)}' (no epoch of '${ck}' was completed); ` +
      'train without --resume to start afresh',
  );
}

function checkFixed(sp: string, saved: CheckpointSettings, now: CheckpointSettings): void {
  for (const { key, flag } of FIXED) {
    if (canonicalJson(saved[key]) === canonicalJson(now[key])) continue;
    const was = show(key, saved[key]);
    const is = show(key, now[key]);
    throw new SlimnetError(
      'INVALID_ARGUMENT',
      `cannot resume from '${sp}': ${flag === undefined ? key : `${flag} (${key})`} is ${is} but the checkpoint ` +
        `was written with ${was}; ` +
        `a different value would not continue the run bit-identically (resume with ${was}, or train without --resume)`,
    );
  }
}

function checkIdentity(sp: string, saved: CheckpointSettings, now: CheckpointSettings): void {
  const differs: Array<[boolean, string]> = [
    [
      saved.graph !== now.graph,
      'another training graph (model, --width, frozen parameters, loss or compression settings)',
    ],
    [saved.data !== now.data, 'other training data (--data, --limit or --validation)'],
    [saved.masks !== now.masks, 'other pruning masks'],
  ];
  const what = differs.find(([d]) => d)?.[1];
  if (what !== undefined) {
    throw new SlimnetError('INVALID_ARGUMENT', `cannot resume from '${sp}': it was written for ${what} than this run`);
  }
}

/** The state must hold exactly this run's parameters, their optimizer state and the running statistics. */
function checkTensors(sp: string, s: CheckpointState, expected: ReadonlyMap<string, number>): void {
  const mismatch = (why: string): SlimnetError =>
    new SlimnetError('INVALID_ARGUMENT', `checkpoint state '${sp}' does not match this training run: ${why}`);
  for (const [name, n] of expected) {
    const t = s.tensors.get(name);
    if (t === undefined) throw mismatch(`tensor '${name}' is missing`);
    if (t.length !== n) throw mismatch(`tensor '${name}' has ${t.length} values, expected ${n}`);
  }
  const extra = [...s.tensors.keys()].find((name) => !expected.has(name));
  if (extra !== undefined) throw mismatch(`it holds a tensor '${extra}' this run does not train`);
}

/** Element counts by name of everything a state must hold for `req`. */
export function expectedTensors(req: TrainRequest): Map<string, number> {
  const size = (dims: readonly number[]): number => dims.reduce((a, d) => a * d, 1);
  const m = new Map<string, number>();
  for (const p of req.info.params) {
    m.set(p.name, size(p.dims));
    for (const st of p.state) m.set(st.input, size(p.dims));
  }
  for (const b of req.info.buffers) m.set(b.name, size(b.dims));
  return m;
}

/** A setting as the user wrote it where possible (a schedule spec), else canonical JSON. */
function show(key: Fixed['key'], v: unknown): string {
  if (key !== 'schedule') return canonicalJson(v);
  try {
    return formatSchedule(v as Schedule);
  } catch {
    return canonicalJson(v); // a schedule kind this version does not know
  }
}

/** JSON with keys sorted and undefined fields dropped, so equal settings print equal. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v !== 'object' || v === null) return JSON.stringify(v) ?? 'null';
  const entries = Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
}

function splitDigest(s: Split): string {
  const shape = new TextEncoder().encode(JSON.stringify({ count: s.count, sampleShape: s.sampleShape }));
  return sha256Hex(shape, s.images, s.labels);
}

function masksDigest(masks: Readonly<Record<string, Float32Array>>): string {
  const names = Object.keys(masks).sort();
  const index = new TextEncoder().encode(JSON.stringify(names.map((n) => [n, masks[n]?.length ?? 0])));
  return sha256Hex(index, ...names.map((n) => masks[n] ?? new Float32Array(0)));
}
