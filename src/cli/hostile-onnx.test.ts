/**
 * Hostile ONNX files end to end, all built here in a temporary directory:
 *  - 1,000 seeded byte mutants of a small model (half saved inline, half with external data) through `loadModel`,
 *    and every 10th through `slimnet prune ... --out`;
 *  - the external-data references themselves: seeded mutants of the location / offset / length strings, hand-picked
 *    hostile ones (traversal, absolute paths, devices, the model itself...) and mutants of the data file;
 *  - special files on the command line: the model a FIFO, a device, a directory, a symlink to one of those; `--out`
 *    a directory, a symlink to one, a FIFO, a device node.
 * Each case either loads (and then re-encodes; through the CLI: exits 0 with a loadable output) or fails with a typed
 * error; through the CLI a failure exits 2 with exactly one `error [CODE]` line, no stack trace, writes nothing
 * and leaves every input file byte-identical. Time per case and memory growth are bounded.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { test, type TestContext } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, StringStringEntryProtoSchema } from 'onnx-buf';
import { isSlimnetError } from '../ir/errors.js';
import { encodeModel, loadModel, saveModel } from '../onnx/index.js';
import { mutate, mutants } from '../testing/mutate.js';
import { cli } from '../testing/run-cli.js';
import { Rng } from '../util/rng.js';
import { buildZooModel } from '../zoo/index.js';

const MUTANTS = 1000;
const CLI_EVERY = 10;
const REFERENCE_MUTANTS = 100;
const DATA_MUTANTS = 100;
const MAX_SECONDS_PER_CASE = 5;
const MAX_SECONDS_SPECIAL = 2;
const MAX_GROWTH_BYTES = 2 ** 30;

/** A saved model: its directory, path, and the bytes of every file in the directory (model and data file). */
interface Fixture {
  readonly dir: string;
  readonly path: string;
  readonly files: ReadonlyMap<string, Buffer>;
}

/** What the cases of a test did, for the diagnostics and the bounds. */
class Log {
  readonly counts = new Map<string, number>();
  slowest = 0;
  slowestWhat = '';
  private readonly base = process.memoryUsage();
  private peakRss = this.base.rss;
  private peakBuffers = this.base.arrayBuffers;

  count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  time(what: string, seconds: number): void {
    if (seconds > this.slowest) [this.slowest, this.slowestWhat] = [seconds, what];
    const m = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, m.rss);
    this.peakBuffers = Math.max(this.peakBuffers, m.arrayBuffers);
  }

  /** Reports the counts and asserts the time and memory bounds. */
  check(t: TestContext, maxSeconds: number): void {
    const mib = (x: number): string => `${(x / 2 ** 20).toFixed(0)} MiB`;
    const rss = this.peakRss - this.base.rss;
    const buffers = this.peakBuffers - this.base.arrayBuffers;
    t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries([...this.counts].sort()))}`);
    t.diagnostic(`slowest ${this.slowest.toFixed(3)} s (${this.slowestWhat}); growth rss ${mib(rss)}, `
      + `array buffers ${mib(buffers)}`);
    assert.ok(this.slowest < maxSeconds, `slowest case ${this.slowest} s: ${this.slowestWhat}`);
    assert.ok(rss < MAX_GROWTH_BYTES && buffers < MAX_GROWTH_BYTES, `memory grew by ${mib(rss)} / ${mib(buffers)}`);
  }
}

function snapshot(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name))]));
}

/** lenet-300-100 at width 0.1 in `root/name`, inline or with its weights in a data file beside it. */
function fixture(root: string, name: string, external: boolean): Fixture {
  const dir = join(root, name);
  const path = join(dir, 'model.onnx');
  const model = buildZooModel('lenet-300-100', { width: 0.1, seed: 3 });
  saveModel(model, path, external ? { externalData: { threshold: 256 } } : { externalData: false });
  return { dir, path, files: snapshot(dir) };
}

/** Puts the fixture's files back as saved. */
function restore(f: Fixture): void {
  for (const [name, bytes] of f.files) writeFileSync(join(f.dir, name), bytes);
}

/** Loads `path`: 'ok' or the typed error's code; anything untyped fails the test, naming the case. */
function loadOutcome(path: string, what: string): string {
  try {
    encodeModel(loadModel(path));
    return 'ok';
  } catch (e) {
    if (!isSlimnetError(e)) assert.fail(`${what}: untyped ${e instanceof Error ? e.stack : String(e)}`);
    return e.code;
  }
}

/** Asserts that a failed run printed exactly one typed error line and nothing that looks like a crash. */
function assertTypedFailure(r: { code: number; err: string }, what: string): string {
  assert.equal(r.code, 2, `${what}: exit code (stderr: ${r.err})`);
  const lines = r.err.split('\n').filter((l) => /error \[/.test(l));
  assert.equal(lines.length, 1, `${what}: one error line, got ${r.err}`);
  const m = /^slimnet [a-z-]+: error \[([A-Z_]+)\]: \S/.exec(lines[0] as string);
  assert.ok(m !== null, `${what}: a typed error line, got ${r.err}`);
  assert.doesNotMatch(r.err, /internal error|\n\s+at |TypeError|RangeError|SyntaxError/, `${what}: ${r.err}`);
  return m[1] as string;
}

/**
 * `slimnet prune` on the fixture as it is now, writing into `outDir` (empty): 'exit 0' with a loadable output,
 * or the typed error's code with nothing written. Either way the input directory is byte-identical.
 */
async function cliOutcome(f: Fixture, outDir: string, what: string): Promise<string> {
  const before = snapshot(f.dir);
  const out = join(outDir, 'out.onnx');
  const r = await cli('prune', f.path, '--method', 'magnitude', '--target', '0.5', '--finetune-epochs', '0',
    '--latency-runs', '0', '--data', 'mnist', '--limit', '64', '--out', out);
  assert.deepEqual(snapshot(f.dir), before, `${what}: the input directory is byte-identical`);
  if (r.code === 0) {
    assert.doesNotThrow(() => loadModel(out), `${what}: the output loads`);
    for (const name of readdirSync(outDir)) rmSync(join(outDir, name));
    return 'exit 0';
  }
  const code = assertTypedFailure(r, what);
  assert.deepEqual(readdirSync(outDir), [], `${what}: no output or temporary file`);
  return code;
}

/** Runs one case through the library (always) and the CLI (when `viaCli`), timed; returns the library's outcome. */
async function runCase(f: Fixture, outDir: string, log: Log, what: string, viaCli: boolean): Promise<string> {
  let t0 = performance.now();
  const loaded = loadOutcome(f.path, what);
  log.count(`load ${loaded}`);
  log.time(`load ${what}`, (performance.now() - t0) / 1000);
  if (viaCli) {
    t0 = performance.now();
    log.count(`cli ${await cliOutcome(f, outDir, what)}`);
    log.time(`cli ${what}`, (performance.now() - t0) / 1000);
  }
  return loaded;
}

test('1,000 mutated ONNX files: typed errors, bounded time and memory, nothing written on failure', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'slimnet-hostile-onnx-'));
  try {
    const outDir = join(root, 'out');
    mkdirSync(outDir);
    const fixtures = [fixture(root, 'inline', false), fixture(root, 'ext', true)];
    const log = new Log();
    let i = 0;
    for (const [k, f] of fixtures.entries()) {
      const bytes = f.files.get('model.onnx') as Buffer;
      for (const m of mutants(bytes, MUTANTS / 2, 100 + k)) {
        writeFileSync(f.path, m.bytes);
        await runCase(f, outDir, log, `${k === 0 ? 'inline' : 'external'} ${m.description}`, i++ % CLI_EVERY === 0);
      }
    }
    log.check(t, MAX_SECONDS_PER_CASE);
    assert.ok((log.counts.get('load ONNX_DECODE') ?? 0) > MUTANTS / 4, 'most mutants are refused by the decoder');
    assert.equal(i, MUTANTS);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** The fixture's model with the `key` entry of initializer `index`'s external data set to `value`. */
function withReference(bytes: Uint8Array, index: number, key: string, value: string): Uint8Array {
  const mp = fromBinary(ModelProtoSchema, bytes);
  const external = mp.graph?.initializer.filter((x) => x.externalData.length > 0) ?? [];
  const tensor = external[index % external.length];
  assert.ok(tensor !== undefined, 'the fixture has external tensors');
  const entry = tensor.externalData.find((e) => e.key === key);
  if (entry === undefined) tensor.externalData.push(create(StringStringEntryProtoSchema, { key, value }));
  else entry.value = value;
  return toBinary(ModelProtoSchema, mp);
}

/** The `key` entry of the first external tensor. */
function referenceValue(bytes: Uint8Array, key: string): string {
  const mp = fromBinary(ModelProtoSchema, bytes);
  const tensor = mp.graph?.initializer.find((x) => x.externalData.length > 0);
  return tensor?.externalData.find((e) => e.key === key)?.value ?? '';
}

/** Hand-picked hostile values of the external-data entries of a tensor whose data file is `location`. */
function hostileReferences(location: string): Array<[string, string]> {
  const locations = [
    `../${location}`, `../ext/${location}`, `/etc/passwd`, '/dev/zero', '/dev/stdin', '/proc/self/mem', '', '.',
    '..', 'model.onnx', `${location}/`, `sub/../${location}`, `./${location}`, `${location}\0.txt`,
    'x'.repeat(4096), `~/${location}`, `C:\\${location}`, `\\\\server\\share\\${location}`,
    `${'../'.repeat(40)}etc/hosts`, `file://${location}`, `${location}%2e`, location.toUpperCase(),
  ];
  const numbers = [
    '-1', '1e3', '0x10', '18446744073709551616', '9007199254740993', ' 4', 'NaN', '', '4.5', '99999999999',
  ];
  return [
    ...locations.map((l): [string, string] => ['location', l]),
    ...numbers.flatMap((x): Array<[string, string]> => [['offset', x], ['length', x]]),
  ];
}

/** Whether a location, as the model states it, stays inside `dir` (what an accepted location must do). */
function inside(dir: string, location: string): boolean {
  return resolve(dir, location).startsWith(dir + sep);
}

test('hostile external-data references and data files: typed errors or a load that stays in the folder', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'slimnet-hostile-refs-'));
  try {
    const outDir = join(root, 'out');
    mkdirSync(outDir);
    const f = fixture(root, 'ext', true);
    const model = f.files.get('model.onnx') as Buffer;
    const location = referenceValue(model, 'location');
    const dataName = [...f.files.keys()].find((n) => n !== 'model.onnx') as string;
    assert.equal(location, dataName, 'the fixture keeps its weights in one data file');
    const log = new Log();
    const rng = new Rng(7);
    const cases: Array<[string, string, string]> = hostileReferences(location).map(([k, v]) => ['picked', k, v]);
    for (let i = 0; i < REFERENCE_MUTANTS; i++) {
      const key = (['location', 'location', 'offset', 'length'] as const)[rng.int(4)] as string;
      const m = mutate(Buffer.from(referenceValue(model, key) || '0'), rng);
      cases.push([`mutant (${m.description}) of`, key, Buffer.from(m.bytes).toString()]);
    }
    for (const [i, [how, key, value]] of cases.entries()) {
      writeFileSync(f.path, withReference(model, i, key, value));
      const what = `${how} ${key} ${JSON.stringify(value.slice(0, 60))}`;
      const loaded = await runCase(f, outDir, log, what, how === 'picked' || i % 5 === 0);
      const escaped = key === 'location' && loaded === 'ok' && !inside(f.dir, value);
      assert.ok(!escaped, `${what}: accepted a location outside the model's folder`);
    }
    restore(f);
    const data = f.files.get(dataName) as Buffer;
    let i = 0;
    for (const m of mutants(data, DATA_MUTANTS, 11)) {
      writeFileSync(join(f.dir, dataName), m.bytes);
      await runCase(f, outDir, log, `data file ${m.description}`, i++ % 5 === 0);
    }
    log.check(t, MAX_SECONDS_PER_CASE);
    assert.ok((log.counts.get('load ok') ?? 0) > 0 && log.counts.size > 2, 'both outcomes occur');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** Runs `make` (mkfifo / mknod); false when the system does not allow it. */
function tryMake(command: string, args: readonly string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The file type of `path` (not following a symlink), to check that a special file is left as it was. */
function kind(path: string): string {
  const s = lstatSync(path);
  return s.isSymbolicLink() ? 'symlink' : s.isFIFO() ? 'fifo' : s.isCharacterDevice() ? 'char' : s.isDirectory()
    ? 'dir' : s.isFile() ? 'file' : 'other';
}

test('special files as the model or as --out: a typed IO error, fast, nothing replaced or written', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'slimnet-special-'));
  try {
    const f = fixture(root, 'model', false);
    const s = join(root, 'special');
    mkdirSync(join(s, 'a-dir'), { recursive: true });
    symlinkSync('/dev/zero', join(s, 'zero-link'));
    symlinkSync(join(s, 'a-dir'), join(s, 'dir-link'));
    const models = ['/dev/zero', join(s, 'a-dir'), join(s, 'zero-link'), join(s, 'dir-link')];
    const outs = [join(s, 'a-dir'), `${join(s, 'a-dir')}${sep}`, join(s, 'dir-link'), join(s, 'zero-link')];
    if (tryMake('mkfifo', [join(s, 'fifo')]) && tryMake('mkfifo', [join(s, 'out-fifo')])) {
      symlinkSync(join(s, 'fifo'), join(s, 'fifo-link'));
      models.push(join(s, 'fifo'), join(s, 'fifo-link'));
      outs.push(join(s, 'out-fifo'));
    } else t.diagnostic('mkfifo is not available: FIFO cases skipped');
    // A null device of our own (never a real one in /dev): replacing it by accident would harm nothing.
    if (tryMake('mknod', [join(s, 'null'), 'c', '1', '3'])) outs.push(join(s, 'null'));
    else t.diagnostic('mknod is not allowed: the device-node --out case skipped');
    const kinds = new Map(readdirSync(s).map((n) => [n, kind(join(s, n))]));
    const svd = ['--method', 'svd', '--rank', '2', '--latency-runs', '0'];
    const runs: Array<[string, string[]]> = [
      ...models.map((m): [string, string[]] => [`model ${m}`, ['decompose', m, ...svd, '--out', join(root, 'o.onnx')]]),
      ...outs.map((o): [string, string[]] => [`--out ${o}`, ['decompose', f.path, ...svd, '--out', o]]),
    ];
    for (const [what, argv] of runs) {
      const t0 = performance.now();
      const r = await cli(...argv);
      const seconds = (performance.now() - t0) / 1000;
      assert.equal(assertTypedFailure(r, what), 'IO', `${what}: ${r.err}`);
      assert.ok(seconds < MAX_SECONDS_SPECIAL, `${what}: took ${seconds} s`);
      assert.deepEqual(new Map(readdirSync(s).map((n) => [n, kind(join(s, n))])), kinds, `${what}: nothing replaced`);
      assert.deepEqual(readdirSync(join(s, 'a-dir')), [], `${what}: nothing written into the directory`);
      assert.deepEqual(readdirSync(root).sort(), ['model', 'special'], `${what}: no output file`);
      assert.deepEqual(snapshot(f.dir), f.files, `${what}: the model is byte-identical`);
    }
    t.diagnostic(`${runs.length} special-file invocations refused`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
