/**
 * Hostile external data locations: traversal, absolute paths, symlinks to outside, directories, FIFOs,
 * devices, ranges beyond the file and one file named many ways. Every case must fail with a typed error
 * naming the tensor and the location, quickly, without opening anything outside the model's directory.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { isSlimnetError, SlimnetError, type ErrorCode } from '../ir/errors.js';
import { writeExternalModel, type ExternalRef } from '../testing/external-model.js';
import { externalOpenProbe, isInside, readExternalRange, resolveExternalFile } from './external-file.js';
import { loadModel } from './index.js';

interface Layout {
  readonly root: string;
  /** The model's directory (real path). */
  readonly dir: string;
  readonly outside: string;
  readonly canary: string;
}

const CANARY = new TextEncoder().encode('CANARY-7f3a9c1e-'.repeat(256));

function layout(): Layout {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'slimnet-extsafe-')));
  const dir = join(root, 'model');
  const outside = join(root, 'outside');
  mkdirSync(dir);
  mkdirSync(outside);
  writeFileSync(join(outside, 'canary.bin'), CANARY);
  return { root, dir, outside, canary: join(outside, 'canary.bin') };
}

interface Read {
  readonly path: string;
  readonly offset: number;
  readonly length: number;
}

/** Runs `fn` recording every external read slimnet is about to open. */
function recordingReads<T>(fn: () => T): { result?: T; error?: unknown; reads: Read[] } {
  const reads: Read[] = [];
  externalOpenProbe.onOpen = (path, offset, length) => reads.push({ path, offset, length });
  try {
    return { result: fn(), reads };
  } catch (error) {
    return { error, reads };
  } finally {
    externalOpenProbe.onOpen = undefined;
  }
}

function expectLoadError(l: Layout, refs: readonly ExternalRef[], code: ErrorCode, pattern: RegExp): SlimnetError {
  const path = writeExternalModel(l.dir, refs);
  const started = Date.now();
  const { error, reads } = recordingReads(() => loadModel(path));
  const what = `location '${refs[0]?.location ?? ''}'`;
  assert.ok(Date.now() - started < 2000, `${what}: took ${Date.now() - started} ms`);
  assert.ok(isSlimnetError(error), `${what}: expected a SlimnetError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.match(error.message, pattern, what);
  assert.match(error.message, /m\.onnx/, `${what}: names the model file`);
  for (const r of reads) assert.ok(isInside(l.dir, r.path), `${what}: opened ${r.path}, outside the model's directory`);
  return error;
}

function cleanup(l: Layout): void {
  rmSync(l.root, { recursive: true, force: true });
}

test('locations outside the model directory are refused before anything is opened', () => {
  const l = layout();
  try {
    symlinkSync(l.canary, join(l.dir, 'link.bin'));
    symlinkSync('../outside/canary.bin', join(l.dir, 'rel.bin'));
    symlinkSync(l.outside, join(l.dir, 'dlink'));
    symlinkSync('/dev/zero', join(l.dir, 'zero'));
    const cases: Array<[string, RegExp]> = [
      ['../outside/canary.bin', /points outside the model's directory/],
      ['sub/../../outside/canary.bin', /points outside/],
      [l.canary, /is invalid \(must be a relative path/],
      ['link.bin', /leads outside the model's directory .*through a symlink/],
      ['rel.bin', /leads outside/],
      ['dlink/canary.bin', /leads outside/],
      [`${'../'.repeat(24)}dev/zero`, /points outside/],
      ['zero', /leads outside.*\/dev\/zero/],
    ];
    for (const [location, why] of cases) {
      const path = writeExternalModel(l.dir, [{ location, elements: 16 }]);
      const { error, reads } = recordingReads(() => loadModel(path));
      assert.ok(isSlimnetError(error, 'ONNX_DECODE'), `${location}: ${String(error)}`);
      assert.match(error.message, why, location);
      assert.ok(error.message.includes(`tensor 'w0'`) && error.message.includes(`'${location}'`), error.message);
      assert.deepEqual(reads, [], `${location}: nothing may be opened`);
    }
  } finally {
    cleanup(l);
  }
});

test('directories, FIFOs and missing files are typed errors, and a FIFO never blocks', (t: TestContext) => {
  const l = layout();
  try {
    mkdirSync(join(l.dir, 'sub'));
    const ref = (location: string): ExternalRef[] => [{ location, elements: 4 }];
    expectLoadError(l, ref('sub'), 'ONNX_DECODE', /location 'sub' of tensor 'w0' names a directory/);
    expectLoadError(l, ref('absent.bin'), 'IO', /external data file 'absent\.bin' of tensor 'w0'/);
    try {
      execFileSync('mkfifo', [join(l.dir, 'pipe')]);
    } catch {
      t.skip('mkfifo is not available');
      return;
    }
    symlinkSync('pipe', join(l.dir, 'pipe-link'));
    expectLoadError(l, ref('pipe'), 'ONNX_DECODE', /'pipe' of tensor 'w0' names a FIFO/);
    expectLoadError(l, ref('pipe-link'), 'ONNX_DECODE', /'pipe-link' of tensor 'w0' names a FIFO/);
  } finally {
    cleanup(l);
  }
});

test('a file swapped after the check (FIFO or another file) is refused at open, without blocking', (t: TestContext) => {
  const l = layout();
  try {
    const fail = (m: string, code: ErrorCode): SlimnetError => new SlimnetError(code, m);
    writeFileSync(join(l.dir, 'data.bin'), new Uint8Array(64));
    const checked = resolveExternalFile(l.dir, 'data.bin', 'w0', fail);
    writeFileSync(join(l.dir, 'other.bin'), new Uint8Array(64).fill(7));
    renameSync(join(l.dir, 'other.bin'), join(l.dir, 'data.bin'));
    const changed = /'data\.bin' of tensor 'w0' changed while it was being read/;
    assert.throws(() => readExternalRange(checked, 0, 16, 'w0', fail), changed);
    try {
      execFileSync('mkfifo', [join(l.dir, 'pipe')]);
    } catch {
      t.skip('mkfifo is not available');
      return;
    }
    const swapped = { ...checked, location: 'pipe', realPath: join(l.dir, 'pipe') };
    const started = Date.now();
    assert.throws(() => readExternalRange(swapped, 0, 16, 'w0', fail), /changed while it was being read/);
    assert.ok(Date.now() - started < 2000);
  } finally {
    cleanup(l);
  }
});

test('declared ranges and sizes are checked against the file before anything is allocated or read', () => {
  const l = layout();
  try {
    writeFileSync(join(l.dir, 'small.bin'), new Uint8Array(64));
    const short = /external data file 'small\.bin' is too short for tensor 'w0'/;
    for (const ref of [
      { location: 'small.bin', elements: 32 },
      { location: 'small.bin', elements: 16, offset: '32', length: '64' },
      { location: 'small.bin', elements: 2 ** 40 },
      { location: 'small.bin', elements: 2 ** 40, offset: '0', length: String(2 ** 42) },
      { location: 'small.bin', elements: 4, offset: '1000000000000' },
    ]) {
      const path = writeExternalModel(l.dir, [ref]);
      const { error, reads } = recordingReads(() => loadModel(path));
      assert.ok(isSlimnetError(error, 'IO'), String(error));
      assert.match(error.message, short);
      assert.deepEqual(reads, [], 'nothing is read for a range the file cannot hold');
    }
    const small = (entries: { offset?: string; length?: string }): ExternalRef[] => [
      { location: 'small.bin', elements: 4, ...entries },
    ];
    expectLoadError(l, small({ length: '32' }), 'ONNX_DECODE', /external data length 32 does not match/);
    expectLoadError(l, small({ offset: '-4' }), 'ONNX_DECODE', /offset '-4' is not a non-negative integer/);
    expectLoadError(l, small({ length: '1e3' }), 'ONNX_DECODE', /length '1e3' is not/);
  } finally {
    cleanup(l);
  }
});

test('symlinks that stay inside the model directory are accepted', () => {
  const l = layout();
  try {
    writeFileSync(join(l.dir, 'data.bin'), new Uint8Array(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]).buffer));
    mkdirSync(join(l.dir, 'd'));
    symlinkSync('data.bin', join(l.dir, 'alias.bin'));
    symlinkSync('../data.bin', join(l.dir, 'd', 'alias.bin'));
    const path = writeExternalModel(l.dir, [
      { location: 'alias.bin', elements: 4, offset: '0', length: '16' },
      { location: 'd/alias.bin', elements: 4, offset: '16', length: '16' },
    ]);
    const { result: m, reads } = recordingReads(() => loadModel(path));
    assert.deepEqual(m?.graph.initializers.get('w0')?.initializer?.data, Float32Array.from([1, 2, 3, 4]));
    assert.deepEqual(m?.graph.initializers.get('w1')?.initializer?.data, Float32Array.from([5, 6, 7, 8]));
    assert.deepEqual(reads.map((r) => r.path), [join(l.dir, 'data.bin'), join(l.dir, 'data.bin')]);
  } finally {
    cleanup(l);
  }
});

/** 100 different spellings of 'data.bin' (lexical detours, a symlink). */
function spellings(): string[] {
  const forms = [
    'data.bin', './data.bin', 'x/../data.bin', './/data.bin', 'x/y/../../data.bin', 'alias.bin', 'd/../alias.bin',
  ];
  return Array.from({ length: 100 }, (_, i) => {
    const k = Math.floor(i / forms.length);
    return `${'z/'.repeat(k)}${'../'.repeat(k)}${forms[i % forms.length] ?? ''}`;
  });
}

test('one file named 100 ways is read range by range, once in total', () => {
  const l = layout();
  try {
    const values = Float32Array.from({ length: 100 * 64 }, (_, i) => i);
    writeFileSync(join(l.dir, 'data.bin'), new Uint8Array(values.buffer));
    symlinkSync('data.bin', join(l.dir, 'alias.bin'));
    const names = spellings();
    assert.equal(new Set(names).size, 100);
    const refs = names.map((location, i) => ({ location, elements: 64, offset: String(i * 256), length: '256' }));
    const path = writeExternalModel(l.dir, refs);
    const { result: m, error, reads } = recordingReads(() => loadModel(path));
    assert.equal(error, undefined);
    for (let i = 0; i < 100; i++) {
      assert.deepEqual(m?.graph.initializers.get(`w${i}`)?.initializer?.data, values.subarray(i * 64, (i + 1) * 64));
    }
    const opened = [...new Set(reads.map((r) => r.path))];
    assert.deepEqual(opened, [join(l.dir, 'data.bin')], 'one file, whatever the spelling');
    assert.equal(reads.reduce((s, r) => s + r.length, 0), values.byteLength, 'every byte read once');

    // The same 100 spellings each claiming the whole file: refused once the file is used up.
    const bomb = writeExternalModel(l.dir, names.map((location) => ({ location, elements: 100 * 64 })));
    const r = recordingReads(() => loadModel(bomb));
    assert.ok(isSlimnetError(r.error, 'ONNX_DECODE'), String(r.error));
    const overlap = /tensor 'w1' \(external data '\.\/data\.bin', bytes 0\.\.25600\) overlaps data other tensors/;
    assert.match(r.error.message, overlap);
    assert.ok(r.reads.reduce((s, x) => s + x.length, 0) <= values.byteLength);
  } finally {
    cleanup(l);
  }
});

test('the model file itself must be a regular file: devices, FIFOs and directories fail fast', (t: TestContext) => {
  const l = layout();
  try {
    const cases: Array<[string, RegExp]> = [['/dev/zero', /it is not a regular file/], [l.dir, /it is a directory/]];
    try {
      execFileSync('mkfifo', [join(l.dir, 'model.onnx')]);
      cases.push([join(l.dir, 'model.onnx'), /it is not a regular file/]);
    } catch {
      t.diagnostic('mkfifo is not available: FIFO case skipped');
    }
    for (const [path, why] of cases) {
      const started = Date.now();
      const named = (e: unknown): boolean => isSlimnetError(e, 'IO') && why.test(e.message) && e.message.includes(path);
      assert.throws(() => loadModel(path), named);
      assert.ok(Date.now() - started < 2000, path);
    }
  } finally {
    cleanup(l);
  }
});
