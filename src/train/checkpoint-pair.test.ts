import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSlimnetError } from '../ir/errors.js';
import { readState, statePath, type CheckpointState } from './checkpoint.js';
import { sha256Hex } from './checkpoint-file.js';
import { reconcileModel, writeCheckpoint } from './checkpoint-pair.js';

const root = mkdtempSync(join(tmpdir(), 'slimnet-checkpoint-pair-'));
after(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
const fresh = (): string => {
  const d = join(root, String(dirs++));
  mkdirSync(d);
  return join(d, 'ck.onnx');
};

const HEX = 'cd'.repeat(32);
const state = (epochsDone: number): Omit<CheckpointState, 'model'> => ({
  epochsDone, step: 4 * epochsDone,
  history: Array.from({ length: epochsDone }, (_, i) => ({
    epoch: i + 1, trainLoss: 0.5, trainError: 0.1, testError: 0.2, lr: 0.01, seconds: 1, imagesPerSecond: 100,
  })),
  settings: {
    threads: 1, seed: 0, batchSize: 8, lr: 0.01, optimizer: { kind: 'sgd' }, schedule: { kind: 'constant' },
    blockedConvs: false, epochs: 3, graph: HEX, data: HEX, masks: HEX,
  },
  tensors: new Map([['w', new Float32Array([epochsDone, 2, 3])]]),
});
const modelA = new Uint8Array([1, 2, 3, 4]);
const modelB = new Uint8Array([5, 6, 7, 8, 9]);

test('the state is written first: an interrupted ONNX write leaves a pair that a resume repairs', () => {
  const ck = fresh();
  assert.equal(writeCheckpoint(ck, state(1), modelA, null), sha256Hex(modelA));
  assert.deepEqual(readState(ck)?.model, { sha256: sha256Hex(modelA), previous: null });
  // The ONNX write of epoch 2 fails (a directory is in the way), as a kill -9 between the writes would leave it.
  rmSync(ck);
  mkdirSync(join(ck, 'blocker'), { recursive: true });
  const write2 = (): string => writeCheckpoint(ck, state(2), modelB, sha256Hex(modelA));
  assert.throws(write2, (e: unknown) => isSlimnetError(e, 'IO'));
  rmSync(ck, { recursive: true });
  writeFileSync(ck, modelA);
  const s2 = readState(ck);
  assert.ok(s2 !== undefined);
  assert.equal(s2.epochsDone, 2);
  assert.deepEqual(s2.model, { sha256: sha256Hex(modelB), previous: sha256Hex(modelA) });
  assert.equal(reconcileModel(ck, s2, modelB), 'regenerated');
  assert.deepEqual(new Uint8Array(readFileSync(ck)), modelB);
  assert.equal(reconcileModel(ck, s2, modelB), 'consistent');
  rmSync(ck);
  assert.equal(reconcileModel(ck, s2, modelB), 'regenerated', 'a missing ONNX file is regenerated');
  assert.deepEqual(new Uint8Array(readFileSync(ck)), modelB);
});

test('an ONNX file the state does not name is a CHECKPOINT_INVALID error that changes nothing', () => {
  const ck = fresh();
  writeCheckpoint(ck, state(1), modelA, null);
  const foreign = new Uint8Array([9, 9, 9]);
  writeFileSync(ck, foreign);
  const stateBytes = readFileSync(statePath(ck));
  const s = readState(ck);
  assert.ok(s !== undefined);
  assert.throws(() => reconcileModel(ck, s, modelA), (e: unknown) => {
    assert.ok(isSlimnetError(e, 'CHECKPOINT_INVALID'));
    assert.match(e.message, /checkpoint '.*ck\.onnx' and its state '.*ck\.onnx\.state' disagree/);
    return true;
  });
  assert.deepEqual(new Uint8Array(readFileSync(ck)), foreign);
  assert.deepEqual(readFileSync(statePath(ck)), stateBytes);
});

test('values that do not reproduce the recorded model mean the state belongs to another model', () => {
  const ck = fresh();
  writeCheckpoint(ck, state(1), modelA, null);
  const s = readState(ck);
  assert.ok(s !== undefined);
  assert.throws(
    () => reconcileModel(ck, s, modelB),
    (e: unknown) => isSlimnetError(e, 'CHECKPOINT_INVALID') && /does not belong to the model being/.test(e.message),
  );
  assert.deepEqual(new Uint8Array(readFileSync(ck)), modelA);
});

test('temp files left by a killed process are removed by the next checkpoint write', () => {
  const ck = fresh();
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  assert.ok(dead !== undefined && dead > 0);
  const stale = [`.ck.onnx.${dead}.1700000000000.tmp`, `.ck.onnx.state.${dead}.1700000000000.tmp`];
  const dir = join(ck, '..');
  for (const name of stale) writeFileSync(join(dir, name), 'half-written');
  writeCheckpoint(ck, state(1), modelA, null);
  for (const name of stale) assert.ok(!existsSync(join(dir, name)), `${name} removed`);
  assert.deepEqual(readdirSync(dir).sort(), ['ck.onnx', 'ck.onnx.state']);
});
