import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isSlimnetError } from '../ir/errors.js';
import { craftState, sealState, splitState } from '../testing/checkpoint-state.js';
import { mutants } from '../testing/mutate.js';
import { decodeState, encodeState, readState, statePath, type CheckpointState } from './checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'slimnet-checkpoint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HEX = 'ab'.repeat(32);
const settings = {
  threads: 1, seed: 3, batchSize: 32, lr: 0.05,
  optimizer: { kind: 'sgd' as const, momentum: 0.9, nesterov: false, weightDecay: 0 },
  schedule: { kind: 'cosine' as const, warmupEpochs: 0.3 }, blockedConvs: true, epochs: 4,
  graph: HEX, data: HEX, masks: HEX,
};
const stats = (epoch: number, testError = 0.25): CheckpointState['history'][number] => ({
  epoch, trainLoss: 1 / epoch, trainError: 0.5 / epoch, testError, lr: 0.01, seconds: 1.5, imagesPerSecond: 900,
});

function sample(): CheckpointState {
  const w = new Float32Array(300).map((_, i) => Math.sin(i) * 0.1);
  return {
    epochsDone: 2, step: 24, history: [stats(1), stats(2, NaN)], settings, model: { sha256: HEX, previous: null },
    tensors: new Map([
      ['fc.weight', w], ['fc.bias', new Float32Array([0.5, -1, 2])], ['fc.weight.velocity', w.map((v) => v / 2)],
    ]),
  };
}

const craft = craftState;
const split = splitState;

const rejects = (bytes: Uint8Array, message: RegExp): void => {
  assert.throws(() => decodeState(bytes, 'ck.onnx.state'), (e: unknown) => {
    assert.ok(isSlimnetError(e, 'CHECKPOINT_INVALID'), String(e));
    assert.match(e.message, /'ck\.onnx\.state'/);
    assert.match(e.message, message);
    return true;
  });
};

test('a state round-trips exactly (NaN test error, settings, model link, tensors)', () => {
  const s = sample();
  const back = decodeState(encodeState(s));
  assert.deepEqual(back, s);
  assert.ok(Number.isNaN(back.history[1]?.testError));
});

test('200 seeded mutations (bit flips, truncations, byte edits, length fields) are each rejected', () => {
  const original = encodeState(sample());
  const kinds = new Set<string>();
  for (const m of mutants(original, 200, 14, { lengthFields: [8] })) {
    assert.notDeepEqual(m.bytes, original);
    kinds.add(m.kind);
    assert.throws(() => decodeState(m.bytes), (e: unknown) => isSlimnetError(e, 'CHECKPOINT_INVALID'), m.description);
  }
  assert.equal(kinds.size, 6);
});

test('mutants resealed with a valid checksum decode or fail with CHECKPOINT_INVALID, never another error', () => {
  const body = encodeState(sample()).subarray(0, -32);
  let accepted = 0;
  for (const m of mutants(body, 200, 15, { lengthFields: [8] })) {
    try {
      const s = decodeState(sealState(m.bytes));
      accepted++;
      assert.ok([...s.tensors.values()].every((t) => t.every(Number.isFinite)), m.description);
    } catch (e) {
      assert.ok(isSlimnetError(e, 'CHECKPOINT_INVALID'), `${m.description}: ${String(e)}`);
    }
  }
  assert.ok(accepted < 100, `${accepted} accepted`);
});

test('a NaN or infinite tensor value is rejected naming the tensor and the index', () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    const s = sample();
    const w = Float32Array.from(s.tensors.get('fc.bias') ?? []);
    w[1] = bad;
    const tensors = new Map(s.tensors).set('fc.bias', w);
    const message = new RegExp(`tensor 'fc\\.bias' has a non-finite value ${String(bad)} at index 1`);
    rejects(encodeState({ ...s, tensors }), message);
  }
});

test('a header with a missing, mistyped or out-of-range field is rejected, never a TypeError', () => {
  const { header, data } = split(encodeState(sample()));
  const without = (key: string): Record<string, unknown> =>
    Object.fromEntries(Object.entries(header).filter(([k]) => k !== key));
  rejects(craft(without('history'), data), /the header has no 'history'/);
  rejects(craft(without('settings'), data), /the header has no 'settings'/);
  rejects(craft({ ...header, history: 'x' }, data), /history must be an array/);
  rejects(craft({ ...header, epochsDone: -1 }, data), /epochsDone must be an integer >= 0, got -1/);
  rejects(craft({ ...header, epochsDone: 1.5 }, data), /epochsDone must be an integer/);
  rejects(craft({ ...header, step: '24' }, data), /step must be an integer >= 0, got "24"/);
  rejects(craft({ ...header, epochsDone: 3 }, data), /history has 2 epochs, epochsDone is 3/);
  rejects(craft({ ...header, history: [stats(1), stats(3)] }, data), /history\[1\]\.epoch is 3, expected 2/);
  rejects(craft({ ...header, history: [stats(1), { ...stats(2), trainError: 2 }] }, data), /history\[1\]\.trainError/);
  const extra = [stats(1), { ...stats(2), extra: 1 }];
  rejects(craft({ ...header, history: extra }, data), /history\[1\] has an unknown field 'extra'/);
  const noThreads = { ...header, settings: { ...settings, threads: 0 } };
  rejects(craft(noThreads, data), /settings\.threads must be an integer >= 1, got 0/);
  rejects(craft({ ...header, settings: { ...settings, graph: 'zz' } }, data), /settings\.graph must be a SHA-256/);
  rejects(craft({ ...header, model: { sha256: HEX } }, data), /model has no 'previous'/);
  rejects(craft({ ...header, version: 3 }, data), /header version is 3, expected 2/);
  rejects(craft({ ...header, extra: true }, data), /unknown field 'extra'/);
  rejects(craft([1, 2], data), /the header is not an object/);
});

test('tensor directories out of range, overlapping, misaligned, repeated or not covering the data are rejected', () => {
  const { header, data } = split(encodeState(sample()));
  const dirOf = (...t: Array<[string, number, number]>): unknown =>
    ({ ...header, tensors: t.map(([name, offset, length]) => ({ name, offset, length })) });
  const n = data.length / 4;
  rejects(craft(dirOf(['a', 0, n + 1]), data), /tensor 'a' \(bytes 0\.\.\d+\) extends past the \d+-byte data region/);
  rejects(craft(dirOf(['a', 0, n - 1], ['b', 4, 1]), data), /tensors 'a' and 'b' overlap/);
  rejects(craft(dirOf(['a', 0, n - 2], ['b', 4 * n - 4, 1]), data), /bytes \d+\.\.\d+ of the data region belong to no/);
  rejects(craft(dirOf(['a', 0, n - 1]), data), /belong to no tensor/);
  rejects(craft(dirOf(['a', 2, 1]), data), /offset 2, not a multiple of 4/);
  rejects(craft(dirOf(['a', 0, 1], ['a', 4, n - 1]), data), /tensor 'a' appears twice/);
  rejects(craft(dirOf(['a', -4, 1]), data), /offset of tensor 'a' must be an integer >= 0/);
  rejects(craft(dirOf(['a', 0, 2 ** 60]), data), /length of tensor 'a' must be an integer/);
});

test('a v1 state is refused as unverifiable; bad magic, short files and bad padding are rejected', () => {
  const { header, data } = split(encodeState(sample()));
  rejects(craft({ ...header, version: 1 }, data, 'SLIMCKP1'), /format v1, which has no checksum/);
  rejects(new Uint8Array(0), /bad magic, or only 0 bytes/);
  rejects(craft(header, data, 'SLIMCKPX'), /bad magic/);
  const huge = Uint8Array.from(craft(header, data).subarray(0, -32));
  new DataView(huge.buffer).setUint32(8, 2 ** 31, true);
  rejects(sealState(huge), /header length 2147483648 is over the 16777216-byte limit/);
  new DataView(huge.buffer).setUint32(8, huge.length, true);
  rejects(sealState(huge), new RegExp(`header length ${huge.length} runs past the end`));
  let padded = 0;
  for (const step of [24, 124, 1024, 10024]) {
    const json = Buffer.from(JSON.stringify({ ...header, step }));
    if ((12 + json.length) % 4 === 0) continue;
    const body = Uint8Array.from(craft({ ...header, step }, data).subarray(0, -32));
    assert.equal(decodeState(sealState(body)).step, step);
    body[12 + json.length] = 1;
    rejects(sealState(body), /non-zero padding after the header/);
    padded++;
  }
  assert.ok(padded >= 3);
});

test('readState: no file is undefined; a directory, a FIFO or an oversized file is a typed IO error', () => {
  const ck = join(dir, 'r.onnx');
  assert.equal(readState(ck), undefined);
  writeFileSync(statePath(ck), encodeState(sample()));
  assert.deepEqual(readState(ck), sample());
  const io = (message: RegExp) => (e: unknown): boolean => isSlimnetError(e, 'IO') && message.test(e.message);
  assert.throws(() => readState(ck, 100), io(/r\.onnx\.state.*more than the 100/));
  const d = join(dir, 'd.onnx');
  mkdirSync(statePath(d));
  assert.throws(() => readState(d), io(/d\.onnx\.state.*not a regular file/));
  const f = join(dir, 'f.onnx');
  if (spawnSync('mkfifo', [statePath(f)]).status === 0) {
    assert.throws(() => readState(f), io(/f\.onnx\.state.*not a regular file/));
  }
});
