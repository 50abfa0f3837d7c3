/**
 * Strict decoder vs the reference parser on hostile files: writes N mutants of a few models (zoo models,
 * some narrowed so that graph structure is a larger share of the bytes, and the silero VAD model with If
 * subgraphs when installed) to a temp dir. Half are generic byte mutations of the whole file
 * (src/testing/mutate.ts), half hit the protobuf framing (a bit flip or random byte at a field tag or
 * length prefix). Each is loaded with python's onnx.load (one process per batch of 250 files,
 * bench/onnx_load_many.py) and with slimnet's loadModel; the bench prints, per half and in all:
 * both reject / both accept / slimnet-only accepts / onnx-only accepts, slimnet's untyped crashes, the
 * accepted mutants whose parameter count (as `slimnet inspect` prints it) differs from the original's,
 * and the slowest decode and peak memory.
 *   node dist/bench/decoder-vs-onnx.js [--n 2000] [--seed 1] [--python /usr/bin/python3] [--examples 5]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { DescMessage } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { SlimnetError } from '../src/ir/errors.js';
import type { Model } from '../src/ir/graph.js';
import { modelStats } from '../src/metrics/index.js';
import { encodeModel, loadModel } from '../src/onnx/index.js';
import { WireCursor, WireType } from '../src/onnx/wire-reader.js';
import { mutate, type Mutant } from '../src/testing/mutate.js';
import { Rng } from '../src/util/rng.js';
import { buildZooModel } from '../src/zoo/index.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    python: { type: 'string', default: '/usr/bin/python3' },
    examples: { type: 'string', default: '5' },
  },
});
const N = Number(args.n);
const EXAMPLES = Number(args.examples);
const BATCH = 250;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const helper = join(root, 'bench', 'onnx_load_many.py');

interface Source {
  readonly label: string;
  readonly bytes: Uint8Array;
  readonly params: number;
  readonly framing: readonly number[];
}

function params(m: Model): number {
  return modelStats(m).params;
}

/** Offsets of the tags and length prefixes of every field in `bytes` (a well-formed ModelProto). */
function structuralOffsets(bytes: Uint8Array): number[] {
  const out: number[] = [];
  const cur = new WireCursor(bytes);
  const walk = (desc: DescMessage, end: number): void => {
    while (cur.pos < end) {
      const tag = cur.tag(end);
      for (let o = tag.offset; o < cur.pos; o++) out.push(o);
      const field = desc.fields.find((f) => f.number === tag.fieldNo);
      const sub = field?.fieldKind === 'message' || (field?.fieldKind === 'list' && field.listKind === 'message')
        ? field.message : undefined;
      if (tag.wireType !== WireType.LEN) {
        cur.skip(tag.wireType, end);
        continue;
      }
      const at = cur.pos;
      const len = cur.length(end);
      for (let o = at; o < cur.pos; o++) out.push(o);
      if (sub !== undefined) walk(sub, cur.pos + len);
      else cur.pos += len;
    }
  };
  walk(ModelProtoSchema, bytes.length);
  return out;
}

/** A bit flip or a random byte at one of `offsets`: hits protobuf framing rather than weight bytes. */
function structuralMutant(bytes: Uint8Array, offsets: readonly number[], rng: Rng): Mutant {
  const at = offsets[rng.int(offsets.length)] as number;
  const out = Uint8Array.from(bytes);
  if (rng.next() < 0.5) {
    const bit = rng.int(8);
    out[at] = (out[at] as number) ^ (1 << bit);
    return { bytes: out, kind: 'bit-flip', offset: at, description: `framing bit-flip: bit ${bit} of byte ${at}` };
  }
  out[at] = (bytes[at] as number) ^ (1 + rng.int(255));
  return { bytes: out, kind: 'byte-overwrite', offset: at, description: `framing byte-overwrite at ${at}` };
}

function sources(dir: string): Source[] {
  const zoo: Array<[string, number]> = [
    ['lenet5', 1], ['lenet-300-100', 0.1], ['resnet20', 0.25], ['mobilenet', 0.25], ['vgg', 0.125],
  ];
  const out = zoo.map(([name, width]): Source => {
    const bytes = encodeModel(buildZooModel(name, { seed: 1, width }));
    const path = join(dir, `${name}.onnx`);
    writeFileSync(path, bytes);
    return { label: `${name}@${width}`, bytes, params: params(loadModel(path)), framing: structuralOffsets(bytes) };
  });
  const silero = join(root, 'node_modules', '@jjhbw', 'silero-vad', 'weights', 'silero_vad_16k_op15.onnx');
  if (existsSync(silero)) {
    const bytes = readFileSync(silero);
    out.push({ label: 'silero16k', bytes, params: params(loadModel(silero)), framing: structuralOffsets(bytes) });
  }
  return out;
}

interface OnnxResult {
  readonly ok: boolean;
  readonly initializerElements?: number;
  readonly error?: string;
}

function onnxLoadAll(paths: readonly string[]): OnnxResult[] {
  const r = spawnSync(String(args.python), [helper], { input: paths.join('\n'), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python onnx helper failed (${String(r.status)}): ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  if (lines.length !== paths.length) throw new Error(`python answered ${lines.length} of ${paths.length} files`);
  return lines.map((l) => JSON.parse(l) as OnnxResult);
}

interface SlimAccepted {
  readonly kind: 'ok';
  readonly params: number | undefined;
  /** Set when modelStats threw: '' for a typed error, else the untyped error. */
  readonly statsError?: string;
  readonly elements: number;
}

type SlimResult =
  | SlimAccepted
  | { readonly kind: 'typed'; readonly code: string; readonly message: string }
  | { readonly kind: 'crash'; readonly message: string };

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function slimLoad(path: string): SlimResult {
  let m: Model;
  try {
    m = loadModel(path);
  } catch (e) {
    if (e instanceof SlimnetError) return { kind: 'typed', code: e.code, message: e.message };
    return { kind: 'crash', message: describeError(e) };
  }
  let elements = 0;
  for (const v of m.graph.initializers.values()) elements += v.initializer?.size ?? 0;
  try {
    return { kind: 'ok', params: params(m), elements };
  } catch (e) {
    return { kind: 'ok', params: undefined, statsError: e instanceof SlimnetError ? '' : describeError(e), elements };
  }
}

/** Tallies of one group of mutants. */
class Tally {
  bothReject = 0;
  bothAccept = 0;
  slimnetOnly = 0;
  onnxOnly = 0;
  crashes = 0;
  paramsDiffer = 0;
  paramsDifferOnnxRejects = 0;
  statsFailedTyped = 0;
  statsFailedUntyped = 0;
  elementsDisagree = 0;
}

const GROUPS = ['generic', 'framing'] as const;
type Group = (typeof GROUPS)[number];
const tallies: Record<Group, Tally> = { generic: new Tally(), framing: new Tally() };
const onnxOnlyReasons = new Map<string, number>();
const examples: string[] = [];
let slowestMs = 0;

/** A slimnet error message with the specifics (offsets, names, numbers) blanked, to group them. */
function reason(message: string): string {
  const generic = (s: string): string => s.replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N').replace('UTF-N', 'UTF-8');
  if (message.includes(' at opset ')) return 'operator arity';
  const wire = /malformed protobuf at byte \d+ \([^)]*\): (.*)/.exec(message);
  if (wire !== null) return `wire: ${generic(wire[1] ?? '')}`.slice(0, 80);
  return generic(message.replace(/^[^:]*: /, '')).slice(0, 80);
}

function note(line: string): void {
  if (examples.length < EXAMPLES) examples.push(line);
}

function recordAccepted(t: Tally, src: Source, what: string, onnx: OnnxResult, slim: SlimAccepted): void {
  if (slim.params === undefined) {
    if (slim.statsError === '') t.statsFailedTyped++;
    else {
      t.statsFailedUntyped++;
      note(`STATS CRASH ${what}: ${slim.statsError ?? ''}`);
    }
  } else if (slim.params !== src.params) {
    t.paramsDiffer++;
    if (!onnx.ok) t.paramsDifferOnnxRejects++;
    note(`params ${slim.params} (original ${src.params}) ${what}; onnx ${onnx.ok ? 'accepts' : 'rejects'}`);
  }
  if (onnx.ok && onnx.initializerElements !== slim.elements) t.elementsDisagree++;
}

function record(group: Group, src: Source, mutant: Mutant, onnx: OnnxResult, slim: SlimResult): void {
  const t = tallies[group];
  const what = `${src.label} ${mutant.description}`;
  if (slim.kind === 'crash') {
    t.crashes++;
    note(`CRASH ${what}: ${slim.message}`);
  }
  if (slim.kind === 'ok') {
    if (onnx.ok) t.bothAccept++;
    else {
      t.slimnetOnly++;
      note(`slimnet-only ${what}: onnx says ${onnx.error ?? ''}`);
    }
    recordAccepted(t, src, what, onnx, slim);
    return;
  }
  if (!onnx.ok) {
    t.bothReject++;
    return;
  }
  t.onnxOnly++;
  const why = slim.kind === 'typed' ? reason(slim.message) : 'crash';
  onnxOnlyReasons.set(why, (onnxOnlyReasons.get(why) ?? 0) + 1);
}

interface Job {
  readonly group: Group;
  readonly src: Source;
  readonly mutant: Mutant;
  readonly path: string;
}

function runBatch(batch: readonly Job[]): void {
  for (const b of batch) writeFileSync(b.path, b.mutant.bytes);
  const onnx = onnxLoadAll(batch.map((b) => b.path));
  batch.forEach((b, i) => {
    const t0 = performance.now();
    const slim = slimLoad(b.path);
    slowestMs = Math.max(slowestMs, performance.now() - t0);
    record(b.group, b.src, b.mutant, onnx[i] as OnnxResult, slim);
    rmSync(b.path);
  });
}

function printTallies(): void {
  const rows: Array<[string, (t: Tally) => number]> = [
    ['both reject', (t) => t.bothReject], ['both accept', (t) => t.bothAccept],
    ['slimnet-only accepts', (t) => t.slimnetOnly], ['onnx-only accepts', (t) => t.onnxOnly],
    ['slimnet untyped crashes', (t) => t.crashes],
    ['accepted, params unlike the original', (t) => t.paramsDiffer],
    ['  of which onnx rejects', (t) => t.paramsDifferOnnxRejects],
    ['accepted, stats fail (typed)', (t) => t.statsFailedTyped],
    ['accepted, stats fail (untyped)', (t) => t.statsFailedUntyped],
    ['both accept, init. elements differ', (t) => t.elementsDisagree],
  ];
  console.log(`${''.padEnd(36)}${'generic'.padStart(9)}${'framing'.padStart(9)}${'total'.padStart(9)}`);
  for (const [label, f] of rows) {
    const g = f(tallies.generic);
    const fr = f(tallies.framing);
    console.log(`${label.padEnd(36)}${String(g).padStart(9)}${String(fr).padStart(9)}${String(g + fr).padStart(9)}`);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'slimnet-decoder-vs-onnx-'));
try {
  const srcs = sources(dir);
  const rng = new Rng(Number(args.seed));
  const started = performance.now();
  let batch: Job[] = [];
  for (let i = 0; i < N; i++) {
    const src = srcs[i % srcs.length] as Source;
    const group: Group = Math.floor(i / srcs.length) % 2 === 0 ? 'generic' : 'framing';
    const mutant = group === 'generic' ? mutate(src.bytes, rng) : structuralMutant(src.bytes, src.framing, rng);
    batch.push({ group, src, mutant, path: join(dir, `m${i}.onnx`) });
    if (batch.length === BATCH || i === N - 1) {
      runBatch(batch);
      batch = [];
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`${N} mutants (half generic byte mutations of the whole file, half framing: a tag or length byte) of`);
  for (const s of srcs) console.log(`  ${s.label}: ${s.bytes.length} bytes, ${s.params} params`);
  printTallies();
  console.log(`slowest slimnet decode ${slowestMs.toFixed(0)} ms; peak RSS ` +
    `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB; ${seconds.toFixed(0)} s in all`);
  const reasons = [...onnxOnlyReasons].sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) console.log('slimnet rejects, onnx accepts, because:');
  for (const [why, n] of reasons.slice(0, 12)) console.log(`  ${String(n).padStart(5)}  ${why}`);
  for (const e of examples) console.log(e);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
