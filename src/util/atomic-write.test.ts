/** atomicWrite / checkWritable: protection by real identity, companions, stale temp files. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isSlimnetError } from '../ir/errors.js';
import { atomicWrite, checkWritable } from './atomic-write.js';
import { registerCompanion } from './companion-files.js';
import { canonicalPath, sameFile } from './file-identity.js';
import { processAlive, removeStaleTemps } from './temp-files.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'slimnet-atomic-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function expectRefused(fn: () => void, pattern = /refusing to overwrite/): void {
  assert.throws(fn, (e: unknown) => isSlimnetError(e, 'IO') && pattern.test(e.message));
}

test('symlinks, symlinked directories, hard links and other spellings of a protected file are refused', () => {
  withDir((dir) => {
    const input = join(dir, 'in', 'model.onnx');
    mkdirSync(join(dir, 'in'));
    writeFileSync(input, 'original');
    symlinkSync('model.onnx', join(dir, 'in', 'link.onnx'));
    symlinkSync(join(dir, 'in'), join(dir, 'inlink'));
    linkSync(input, join(dir, 'in', 'hard.onnx'));
    const targets = [
      input,
      join(dir, 'in', 'link.onnx'),
      join(dir, 'inlink', 'model.onnx'),
      join(dir, 'in', 'hard.onnx'),
      join(dir, 'in', 'sub', '..', 'model.onnx'),
      join(dir, 'inlink', '.', 'model.onnx'),
    ];
    for (const t of targets) {
      expectRefused(() => atomicWrite(t, 'overwritten', { protect: [input] }));
      expectRefused(() => checkWritable(t, { protect: [input] }));
    }
    // The protected path itself given through a link: the real file behind it is protected.
    expectRefused(() => atomicWrite(input, 'overwritten', { protect: [join(dir, 'in', 'link.onnx')] }));
    assert.equal(readFileSync(input, 'utf8'), 'original');
    // A different file in the same (symlinked) directory is fine.
    atomicWrite(join(dir, 'inlink', 'other.onnx'), 'new', { protect: [input] });
    assert.equal(readFileSync(join(dir, 'in', 'other.onnx'), 'utf8'), 'new');
  });
});

test('files a protected file reads (registered companions) are protected too', () => {
  withDir((dir) => {
    const model = join(dir, 'model.onnx');
    const data = join(dir, 'model.onnx.data');
    writeFileSync(model, 'model');
    writeFileSync(data, 'weights');
    symlinkSync(dir, join(dir, 'alias'));
    registerCompanion(model, data);
    for (const t of [data, join(dir, 'alias', 'model.onnx.data')]) {
      const why = /data file .*model\.onnx\.data' that the input .*model\.onnx' reads/;
      expectRefused(() => atomicWrite(t, 'x', { protect: [model] }), why);
    }
    expectRefused(() => checkWritable(data, { protect: [join(dir, 'alias', 'model.onnx')] }));
    assert.equal(readFileSync(data, 'utf8'), 'weights');
  });
});

test('canonicalPath resolves links of the nearest existing ancestor for paths that do not exist yet', () => {
  withDir((dir) => {
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    assert.equal(canonicalPath(join(dir, 'link', 'new', 'x.onnx')), join(canonicalPath(dir), 'real', 'new', 'x.onnx'));
    assert.ok(sameFile(join(dir, 'link', 'x.onnx'), join(dir, 'real', 'x.onnx')));
    assert.ok(!sameFile(join(dir, 'real', 'x.onnx'), join(dir, 'real', 'y.onnx')));
  });
});

/** The id of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(r.stdout);
  assert.ok(Number.isSafeInteger(pid) && pid > 0 && !processAlive(pid));
  return pid;
}

test('temp files left by a killed writer of the same target are removed; live writers\' are kept', () => {
  withDir((dir) => {
    const target = join(dir, 'out.onnx');
    const dead = `.out.onnx.${deadPid()}.1700000000000.tmp`;
    const mine = `.out.onnx.${process.pid}.1700000000001.tmp`;
    const parent = `.out.onnx.${process.ppid}.1700000000002.tmp`;
    const otherTarget = `.other.onnx.${deadPid()}.1700000000003.tmp`;
    for (const n of [dead, mine, parent, otherTarget]) writeFileSync(join(dir, n), 'partial');
    atomicWrite(target, 'complete');
    assert.equal(readFileSync(target, 'utf8'), 'complete');
    assert.deepEqual(readdirSync(dir).sort(), [mine, parent, otherTarget, 'out.onnx'].sort());
    assert.deepEqual(removeStaleTemps(join(dir, 'other.onnx')), [otherTarget]);
    assert.ok(!existsSync(join(dir, otherTarget)));
  });
});

test('a symlink planted at the temporary name is never written through', () => {
  withDir((dir) => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'safe');
    // Plant links for the next few milliseconds' temp names of this process.
    const now = Date.now();
    for (let ms = now; ms < now + 2000; ms++) symlinkSync(victim, join(dir, `.out.${process.pid}.${ms}.tmp`));
    assert.throws(() => atomicWrite(join(dir, 'out'), 'payload'), (e: unknown) => isSlimnetError(e, 'IO'));
    assert.equal(readFileSync(victim, 'utf8'), 'safe');
    assert.ok(!existsSync(join(dir, 'out')));
  });
});
