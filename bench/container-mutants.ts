/**
 * N seeded mutants (bit flips, byte overwrites, truncations, insertions, deletions, u32 length-field edits) of a
 * small real Deep Compression container (pruned + k-means shared LeNet-5, about 6.5 KB), each unpacked twice:
 * as mutated (checksums intact) and with its checksums forged (resealFrame), which reaches the structural checks.
 * Prints per mode and mutation kind: rejected with a typed error / accepted identical / accepted different /
 * untyped crash, plus time, the slowest mutant and the peak growth of array-buffer memory.
 * Usage: node dist/bench/container-mutants.js [N=100000] [--seed S=1]
 */
import { resealFrame, sectionSpans } from '../src/compress/coding/frame.js';
import { unpack } from '../src/compress/coding/unpack.js';
import { SlimnetError } from '../src/ir/errors.js';
import { MUTATION_KINDS, mutants, type MutationKind } from '../src/testing/mutate.js';
import { initializerBytes, sameInitializers, smallContainer } from '../src/testing/sldc-fixture.js';

type Outcome = 'rejected (typed)' | 'accepted identical' | 'accepted different' | 'untyped crash';
const OUTCOMES: readonly Outcome[] = ['rejected (typed)', 'accepted identical', 'accepted different', 'untyped crash'];

const args = process.argv.slice(2);
const seedAt = args.indexOf('--seed');
const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : 1;
const n = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--seed') ?? 100_000);

const { bytes } = smallContainer();
const original = initializerBytes(unpack(bytes));
const lengthFields = [5, 9, ...sectionSpans(bytes).map((s) => s.lengthOffset)];

function outcome(input: Uint8Array, crashes: string[], description: string): Outcome {
  try {
    return sameInitializers(initializerBytes(unpack(input)), original) ? 'accepted identical' : 'accepted different';
  } catch (e) {
    if (e instanceof SlimnetError) return 'rejected (typed)';
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    if (crashes.length < 10) crashes.push(`${description}: ${what}`);
    return 'untyped crash';
  }
}

function runMode(forge: boolean): void {
  const counts = new Map<MutationKind, Map<Outcome, number>>(MUTATION_KINDS.map((k) => [k, new Map()]));
  const crashes: string[] = [];
  const base = process.memoryUsage().arrayBuffers;
  let peak = 0;
  let slowest = 0;
  const t0 = performance.now();
  let i = 0;
  for (const m of mutants(bytes, n, seed, { lengthFields })) {
    const t = performance.now();
    const o = outcome(forge ? resealFrame(m.bytes) : m.bytes, crashes, m.description);
    slowest = Math.max(slowest, performance.now() - t);
    const row = counts.get(m.kind) as Map<Outcome, number>;
    row.set(o, (row.get(o) ?? 0) + 1);
    if (++i % 1000 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
  }
  const seconds = (performance.now() - t0) / 1000;
  const mode = forge ? 'checksums forged (resealFrame)' : 'checksums intact';
  console.log(`\n${mode}: ${n} mutants in ${seconds.toFixed(1)} s `
    + `(slowest ${slowest.toFixed(1)} ms, array buffers peak +${(peak / 2 ** 20).toFixed(1)} MiB)`);
  const line = (cells: readonly string[]): string =>
    cells.map((c, j) => (j === 0 ? c.padEnd(16) : c.padStart(20))).join('');
  console.log(line(['kind', ...OUTCOMES]));
  for (const [kind, row] of counts) console.log(line([kind, ...OUTCOMES.map((o) => String(row.get(o) ?? 0))]));
  const total = (o: Outcome): number => [...counts.values()].reduce((s, r) => s + (r.get(o) ?? 0), 0);
  console.log(line(['total', ...OUTCOMES.map((o) => String(total(o)))]));
  for (const c of crashes) console.log(`  crash: ${c}`);
}

console.log(`container of ${bytes.length} bytes, ${n} mutants, seed ${seed}`);
runMode(false);
runMode(true);
