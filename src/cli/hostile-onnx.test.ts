/**
 * Hostile ONNX files end to end: 1,000 seeded mutants of a small model (half of them with external data) through
 * the decoder, and a sample through a command that writes a model. Each one either loads (and then re-encodes) or
 * fails with a typed error; through the CLI a failure exits non-zero, prints one typed line and no stack trace,
 * writes no output file and leaves the input byte-identical. Time per mutant and memory growth are bounded.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isSlimnetError } from '../ir/errors.js';
import { encodeModel, loadModel, saveModel } from '../onnx/index.js';
import { cli } from '../testing/run-cli.js';
import { mutants, type Mutant } from '../testing/mutate.js';
import { buildZooModel } from '../zoo/index.js';

const MUTANTS = 1000;
const CLI_EVERY = 20;
const MAX_SECONDS_PER_LOAD = 5;
const MAX_GROWTH_BYTES = 1 << 30;

interface Fixture {
  readonly dir: string;
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** A small MNIST-shaped MLP, saved inline (`external` false) or with its weights in a data file beside it. */
function fixture(root: string, external: boolean): Fixture {
  const dir = join(root, external ? 'ext' : 'inline');
  const name = 'model.onnx';
  const model = buildZooModel('lenet-300-100', { width: 0.1, seed: 3 });
  saveModel(model, join(dir, name), external ? { externalData: { threshold: 256 } } : { externalData: false });
  return { dir, name, bytes: readFileSync(join(dir, name)) };
}

function memory(): number {
  const m = process.memoryUsage();
  return m.rss + m.arrayBuffers;
}

/** Loads a mutant: 'ok' or the typed error's code; anything untyped fails the test, naming the mutation. */
function loadOutcome(path: string, m: Mutant): string {
  try {
    encodeModel(loadModel(path));
    return 'ok';
  } catch (e) {
    if (!isSlimnetError(e)) assert.fail(`${m.description}: untyped ${String(e)}`);
    assert.match(e.message, /model\.onnx/, `${m.description}: the message names the file: ${e.message}`);
    return e.code;
  }
}

async function cliCheck(f: Fixture, path: string, m: Mutant): Promise<void> {
  const out = join(f.dir, 'out.onnx');
  const before = readFileSync(path);
  const r = await cli('prune', path, '--method', 'magnitude', '--target', '0.5', '--finetune-epochs', '0',
    '--data', 'mnist', '--limit', '64', '--out', out);
  assert.deepEqual(readFileSync(path), before, `${m.description}: input unchanged`);
  if (r.code === 0) {
    loadModel(out);
    rmSync(out);
    return;
  }
  assert.match(r.err, /\[[A-Z_]+\]/, `${m.description}: typed error, got ${r.err}`);
  assert.doesNotMatch(r.err, /\n\s+at |TypeError|RangeError/, `${m.description}: no stack trace: ${r.err}`);
  assert.equal(existsSync(out), false, `${m.description}: no output file`);
  assert.deepEqual(readdirSync(f.dir).filter((n) => n.endsWith('.tmp')), [], 'no temp file left');
}

test('1,000 mutated ONNX files: typed errors, bounded time and memory, nothing written on failure', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'slimnet-hostile-onnx-'));
  try {
    const fixtures = [fixture(root, false), fixture(root, true)];
    const counts = new Map<string, number>();
    const base = memory();
    let peak = base;
    let slowest = 0;
    let i = 0;
    for (const [k, f] of fixtures.entries()) {
      for (const m of mutants(f.bytes, MUTANTS / 2, 100 + k)) {
        const path = join(f.dir, f.name);
        writeFileSync(path, m.bytes);
        const t0 = performance.now();
        const outcome = loadOutcome(path, m);
        slowest = Math.max(slowest, (performance.now() - t0) / 1000);
        counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
        if (i++ % CLI_EVERY === 0) await cliCheck(f, path, m);
        peak = Math.max(peak, memory());
      }
    }
    t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(counts))}; slowest load ${slowest.toFixed(2)} s; `
      + `peak growth ${((peak - base) / 2 ** 20).toFixed(0)} MiB`);
    assert.ok(slowest < MAX_SECONDS_PER_LOAD, `slowest load ${slowest} s`);
    assert.ok(peak - base < MAX_GROWTH_BYTES, `memory grew by ${peak - base} bytes`);
    assert.ok((counts.get('ONNX_DECODE') ?? 0) > MUTANTS / 4, 'most mutants are refused by the decoder');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
