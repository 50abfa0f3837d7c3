import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../data/load.js';
import type { Dataset } from '../data/types.js';
import { isSlimnetError, type ErrorCode } from '../ir/errors.js';
import { encodeModel } from '../onnx/index.js';
import { cli } from '../testing/run-cli.js';
import { craftState, splitState } from '../testing/checkpoint-state.js';
import { mutants } from '../testing/mutate.js';
import { buildZooModel } from '../zoo/index.js';
import { decodeState, encodeState, statePath } from './checkpoint.js';
import { sha256Hex } from './checkpoint-file.js';
import { runTraining } from './run-training.js';
import { prepareTraining, train } from './trainer.js';
import type { TrainOptions } from './types.js';

const root = mkdtempSync(join(tmpdir(), 'slimnet-resume-'));
after(() => rmSync(root, { recursive: true, force: true }));

let data: Dataset;
const small = (width = 0.25): ReturnType<typeof buildZooModel> => buildZooModel('lenet-300-100', { seed: 1, width });
const base = (over: Partial<TrainOptions> = {}): TrainOptions => ({
  model: small(), dataset: data, epochs: 1, batchSize: 32, lr: 0.05, threads: 1, seed: 3, inProcess: true, ...over,
});
/** The checkpoint after one epoch of `base()`, and the same after two (resumed), each copied per test. */
const made = { e1: join(root, 'e1', 'ck.onnx'), e2: join(root, 'e2', 'ck.onnx') };

before(async () => {
  data = loadDataset('mnist', { limit: 96, testLimit: 32 });
  await train(base({ checkpoint: made.e1 }));
  copyPair(made.e1, made.e2);
  await train(base({ checkpoint: made.e2, resume: true, epochs: 2 }));
});

function copyPair(from: string, to: string): void {
  mkdirSync(join(to, '..'), { recursive: true });
  copyFileSync(from, to);
  copyFileSync(statePath(from), statePath(to));
}

let copies = 0;
/** A fresh copy of a made checkpoint; returns its path and a check that both files are still byte-identical. */
function copyOf(which: keyof typeof made): { ck: string; unchanged: () => void; out: string } {
  const ck = join(root, `t${copies++}`, 'ck.onnx');
  copyPair(made[which], ck);
  const bytes = [readFileSync(ck), readFileSync(statePath(ck))];
  const unchanged = (): void => {
    assert.deepEqual(readFileSync(ck), bytes[0], 'checkpoint ONNX unchanged');
    assert.deepEqual(readFileSync(statePath(ck)), bytes[1], 'checkpoint state unchanged');
  };
  return { ck, unchanged, out: join(ck, '..', 'out.onnx') };
}

/** The data with every training label changed. */
function relabelled(): Dataset {
  return { ...data, train: { ...data.train, labels: data.train.labels.map((l) => (l + 1) % 10) } };
}

async function refused(opts: TrainOptions, code: ErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(train(opts), (e: unknown) => {
    assert.ok(isSlimnetError(e, code), String(e));
    assert.match(e.message, message);
    return true;
  });
  if (opts.output !== undefined) assert.ok(!existsSync(opts.output), 'no output file');
}

test('200 seeded mutations of a real state are all rejected; a corrupted state stops the resume', async () => {
  const { ck, unchanged, out } = copyOf('e1');
  const original = new Uint8Array(readFileSync(statePath(ck)));
  for (const m of mutants(original, 200, 5, { lengthFields: [8] })) {
    assert.throws(() => decodeState(m.bytes), (e: unknown) => isSlimnetError(e, 'CHECKPOINT_INVALID'), m.description);
  }
  const flipped = Uint8Array.from(original);
  flipped[original.length - 100] = (original[original.length - 100] ?? 0) ^ 4; // inside the tensor data
  writeFileSync(statePath(ck), flipped);
  const resume = base({ checkpoint: ck, resume: true, epochs: 2, output: out });
  await refused(resume, 'CHECKPOINT_INVALID', /checksum mismatch/);
  assert.deepEqual(new Uint8Array(readFileSync(statePath(ck))), flipped);
  writeFileSync(statePath(ck), original);
  unchanged();
});

test('a NaN weight or a missing history in the state is a typed error before any training', async () => {
  const { ck, out } = copyOf('e1');
  const s = decodeState(readFileSync(statePath(ck)));
  const w = Float32Array.from(s.tensors.get('fc1.weight') ?? []);
  w[7] = NaN;
  writeFileSync(statePath(ck), encodeState({ ...s, tensors: new Map(s.tensors).set('fc1.weight', w) }));
  const resume = base({ checkpoint: ck, resume: true, epochs: 2, output: out });
  await refused(resume, 'CHECKPOINT_INVALID', /tensor 'fc1\.weight' has a non-finite value NaN at index 7/);
  const { header, data: region } = splitState(encodeState(s));
  const { history: _dropped, ...noHistory } = header;
  writeFileSync(statePath(ck), craftState(noHistory, region));
  await refused(resume, 'CHECKPOINT_INVALID', /ck\.onnx\.state' is invalid: the header has no 'history'/);
});

test('an ONNX file that is not the one the state belongs to is refused; an interrupted write is repaired', async () => {
  const foreign = copyOf('e2');
  const untrained = encodeModel(small());
  writeFileSync(foreign.ck, untrained);
  const resumeForeign = base({ checkpoint: foreign.ck, resume: true, epochs: 2, output: foreign.out });
  await refused(resumeForeign, 'CHECKPOINT_INVALID', /'.*ck\.onnx' and its state '.*ck\.onnx\.state' disagree/);
  assert.deepEqual(new Uint8Array(readFileSync(foreign.ck)), untrained);
  const { ck, unchanged } = copyOf('e2');
  // State of epoch 2 beside the ONNX file of epoch 1: a kill -9 between the two writes of a checkpoint.
  copyFileSync(made.e1, ck);
  const e2 = readFileSync(made.e2);
  assert.equal(decodeState(readFileSync(statePath(ck))).model.previous, sha256Hex(readFileSync(made.e1)));
  const r = await train(base({ checkpoint: ck, resume: true, epochs: 2 }));
  assert.equal(r.resumedFromEpoch, 2);
  assert.deepEqual(readFileSync(ck), e2, 'the ONNX file is regenerated from the state');
  unchanged();
});

test('--resume without a checkpoint state is an error, never a silent fresh start', async () => {
  const ck = join(root, 'none', 'ck.onnx');
  const opts = base({ checkpoint: ck, resume: true, output: join(root, 'none.onnx') });
  await refused(opts, 'INVALID_ARGUMENT', /no checkpoint state '.*none\/ck\.onnx\.state'/);
  // The training loop itself (the worker side) refuses too, not only train()'s early check.
  const req = { ...prepareTraining(base({ checkpoint: ck })), resume: true };
  const ctx = { progress: (): void => {}, shouldStop: (): boolean => false, throwIfStopped: (): void => {} };
  const noState = (e: unknown): boolean =>
    isSlimnetError(e, 'INVALID_ARGUMENT') && /no checkpoint state/.test(e.message);
  await assert.rejects(runTraining(req, ctx), noState);
  assert.ok(!existsSync(ck) && !existsSync(statePath(ck)));
});

test('resuming with a setting that changes the result names the flag and both values; epochs may grow', async () => {
  const { ck, unchanged, out } = copyOf('e1');
  const cases: Array<[Partial<TrainOptions>, RegExp]> = [
    [{ threads: 2 }, /--threads \(threads\) is 2 but the checkpoint was written with 1/],
    [{ seed: 4 }, /--seed \(seed\) is 4 but the checkpoint was written with 3/],
    [{ batchSize: 16 }, /--batch-size \(batchSize\) is 16 but the checkpoint was written with 32/],
    [{ lr: 0.1 }, /--lr \(lr\) is 0\.1 but the checkpoint was written with 0\.05/],
    [{ optimizer: 'adam' }, /--optimizer.*\(optimizer\) is \{"beta1".*"kind":"adam".* but .* with \{"kind":"sgd"/],
    [{ schedule: { kind: 'constant' } }, /--schedule \(schedule\) is constant but .* written with cosine\+warmup/],
    [{ model: small(0.5) }, /written for another training graph/],
    [{ dataset: relabelled() }, /other training data/],
  ];
  for (const [over, message] of cases) {
    await refused(base({ checkpoint: ck, resume: true, epochs: 2, output: out, ...over }), 'INVALID_ARGUMENT', message);
  }
  unchanged();
  const r = await train(base({ checkpoint: ck, resume: true, epochs: 2, output: out }));
  assert.equal(r.resumedFromEpoch, 1);
  assert.deepEqual(readFileSync(ck), readFileSync(made.e2), 'the same checkpoint as the run that made e2');
});

test('a state whose tensors do not match the model being trained is refused', async () => {
  const { ck } = copyOf('e1');
  const s = decodeState(readFileSync(statePath(ck)));
  const renamed = new Map([...s.tensors].map(([k, v]) => [k === 'fc2.bias' ? 'fc2.bias_' : k, v]));
  const shorter = new Map(s.tensors).set('fc2.bias', new Float32Array(3));
  const extra = new Map(s.tensors).set('stray', new Float32Array(1));
  const cases: Array<[Map<string, Float32Array>, RegExp]> = [
    [renamed, /tensor 'fc2\.bias' is missing/], [shorter, /tensor 'fc2\.bias' has 3 values, expected \d+/],
    [extra, /holds a tensor 'stray' this run does not train/],
  ];
  for (const [tensors, message] of cases) {
    writeFileSync(statePath(ck), encodeState({ ...s, tensors }));
    await refused(base({ checkpoint: ck, resume: true, epochs: 2 }), 'INVALID_ARGUMENT', message);
  }
});

test('slimnet train --resume: no state or other --threads exit 2; the same flags resume in a new process', async () => {
  const dir = join(root, 'cli');
  const ck = join(dir, 'ck.onnx');
  const flags = [
    '--model', 'lenet-300-100', '--width', '0.25', '--limit', '64', '--batch-size', '32', '--json', '--threads', '1',
  ];
  const out = (name: string): string[] => ['--out', join(dir, name)];
  const first = await cli('train', ...flags, '--epochs', '1', '--checkpoint', ck, ...out('a.onnx'));
  assert.equal(first.code, 0, first.err);
  const none = await cli('train', ...flags, '--checkpoint', join(dir, 'x.onnx'), '--resume', ...out('x-out.onnx'));
  assert.equal(none.code, 2);
  assert.match(none.err, /error \[INVALID_ARGUMENT\]: cannot resume: there is no checkpoint state/);
  assert.ok(!existsSync(join(dir, 'x-out.onnx')));
  const threads = flags.slice(0, -1).concat('2');
  const other = await cli('train', ...threads, '--epochs', '2', '--checkpoint', ck, '--resume', ...out('b.onnx'));
  assert.equal(other.code, 2);
  assert.match(other.err, /\[INVALID_ARGUMENT\]: .*--threads \(threads\) is 2 but the checkpoint was written with 1;/);
  assert.doesNotMatch(other.err, /\n\s+at /, 'no stack trace');
  assert.ok(!existsSync(join(dir, 'b.onnx')));
  const bin = resolve(fileURLToPath(import.meta.url), '../../../../bin/slimnet.js');
  const args = [bin, 'train', ...flags, '--epochs', '2', '--checkpoint', ck, '--resume', ...out('c.onnx')];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  assert.equal((JSON.parse(child.stdout) as { resumedFromEpoch: number }).resumedFromEpoch, 1);
});
