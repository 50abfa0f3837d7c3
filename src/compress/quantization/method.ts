/**
 * The quantization method interface: what `slimnet quantize --method NAME` and the library's `quantize()`
 * call. A method declares its options once (typed, documented, with defaults); the CLI derives its flags
 * and `--help` from those declarations, and `resolveMethodOptions` turns raw values (CLI strings or library
 * values) into checked, typed ones before `run` sees them.
 *
 * ## Adding a method (e.g. BinaryConnect, TWN, DoReFa, HashedNets)
 * 1. Write `src/compress/quantization/<family>/method.ts` (or under another compress family) exporting a
 *    `QuantizationMethod`:
 *    ```ts
 *    export const twnMethod: QuantizationMethod = {
 *      name: 'twn',
 *      summary: 'Ternary weight networks: {-a, 0, +a} per layer, threshold 0.7·E|W|, STE fine-tuning',
 *      reference: 'Li & Liu 2016',
 *      options: {
 *        epochs: { type: 'integer', description: 'fine-tuning epochs', default: 1, placeholder: 'N' },
 *        lr: { type: 'number', description: 'fine-tuning learning rate', default: 0.001, placeholder: 'RATE' },
 *      },
 *      async run(model, options, ctx) {
 *        const data = requireData(ctx, 'twn');           // typed error when the caller gave no data
 *        const epochs = optionInteger(options, 'epochs'); // defaults are already filled in
 *        ...
 *        return { model: out, report: { ... }, summary: ['one line', { columns: ['layer', 'bits'], rows }], packed: { ... } };
 *      },
 *    };
 *    ```
 *    Option names are camelCase (`weightBits`); the CLI spells them in kebab-case (`--weight-bits`). An
 *    option name used by several methods must have the same type in each (checked at registration).
 * 2. Register it with one line (`registerQuantizationMethod(twnMethod)`, or the list in methods.ts). Nothing else: the CLI's
 *    flags, help, JSON output and measurements (error, size, ratio, latency) come for free.
 * 3. Test the method's math beside it, and add one case to the CLI test if it needs special input.
 *
 * `run` must not modify its input model; it returns a new model (ONNX that onnxruntime runs), a
 * JSON-serialisable report, human-readable summary lines, and optionally a packed form (bytes the method
 * stores the model in, e.g. the Deep Compression container), whose size the measurements then use.
 */
import type { FeedSet } from '../../data/feeds.js';
import type { Dataset } from '../../data/types.js';
import { SlimnetError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import type { TrainProgress } from '../../train/types.js';

/** Value types a method option can take. */
export type MethodOptionType = 'number' | 'integer' | 'string' | 'boolean';

/** Declaration of one method option. */
export interface MethodOptionSpec {
  readonly type: MethodOptionType;
  /** One line for --help. */
  readonly description: string;
  /** Value placeholder in help, e.g. 'N', 'BITS', 'RATE'. */
  readonly placeholder?: string;
  /** Value used when the caller gives none (undefined: the option stays unset). */
  readonly default?: number | string | boolean;
  /** For 'string' options: the accepted values. */
  readonly choices?: readonly string[];
  /** Inclusive bounds for 'number' / 'integer' options. */
  readonly min?: number;
  readonly max?: number;
}

export type MethodOptionSpecs = Readonly<Record<string, MethodOptionSpec>>;

/** Checked option values by option name (defaults filled in). */
export type MethodOptionValues = Readonly<Record<string, number | string | boolean | undefined>>;

/** What a method may use besides the model and its options. */
export interface QuantizeContext {
  /** Data for calibration / fine-tuning (train split) and evaluation (test split); absent when the caller has none. */
  readonly data?: Dataset;
  /** Feeds for every model input (labels optional): calibration data for post-training methods, instead of `data`. */
  readonly feeds?: FeedSet;
  /** onnxruntime intra-op threads for calibration and training (default 2). */
  readonly threads?: number;
  /** Seed of everything random the method does (default 0). */
  readonly seed?: number;
  /** Training progress of methods that fine-tune. */
  readonly onProgress?: (p: TrainProgress) => void;
  /** One-line status messages (stages of long methods). */
  readonly log?: (message: string) => void;
  /** Aborting stops training at the next step (SlimnetError 'INTERRUPTED'). */
  readonly signal?: AbortSignal;
  /** Train in the calling thread instead of a worker (tests). */
  readonly inProcess?: boolean;
}

/** A packed (stored) form of the quantized model. */
export interface PackedForm {
  readonly bytes: Uint8Array;
  /** File extension without the dot, e.g. 'sldc'. */
  readonly extension: string;
  /** What the bytes are, e.g. 'Deep Compression container (FORMAT.md)'. */
  readonly description: string;
}

/** A table in a method's summary: headers and rows of cells (the CLI aligns and prints it). */
export interface SummaryTable {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
}

/** One block of a method's human-readable summary: a line (may contain newlines) or a table. */
export type SummaryBlock = string | SummaryTable;

export interface QuantizeOutcome {
  /** The quantized model as ONNX that onnxruntime executes (never the input object). */
  readonly model: Model;
  /** Method-specific details, JSON-serialisable (printed by --json). */
  readonly report: Readonly<Record<string, unknown>>;
  /** Human-readable summary of the report: lines and tables. */
  readonly summary: readonly SummaryBlock[];
  /** The packed form, when the method stores the model more compactly than ONNX. */
  readonly packed?: PackedForm;
}

export interface QuantizationMethod {
  /** CLI name (lower case, digits and dashes). */
  readonly name: string;
  /** One line for --help. */
  readonly summary: string;
  /** Paper or source the method follows. */
  readonly reference?: string;
  readonly options: MethodOptionSpecs;
  run(model: Model, options: MethodOptionValues, ctx: QuantizeContext): Promise<QuantizeOutcome>;
}

/** Raw option input: strings from the command line, or typed values from library callers. */
export type RawOptionValues = Readonly<Record<string, string | number | boolean | undefined>>;

function badOption(method: string, name: string, msg: string): SlimnetError {
  return new SlimnetError('INVALID_ARGUMENT', `quantize --method ${method}: option '${name}' ${msg}`);
}

function convert(method: string, name: string, spec: MethodOptionSpec, raw: string | number | boolean): number | string | boolean {
  if (spec.type === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    throw badOption(method, name, `expects true or false, got '${String(raw)}'`);
  }
  if (spec.type === 'string') {
    const s = String(raw);
    if (spec.choices !== undefined && !spec.choices.includes(s)) throw badOption(method, name, `must be one of ${spec.choices.join(', ')}, got '${s}'`);
    return s;
  }
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(n)) throw badOption(method, name, `expects a number, got '${String(raw)}'`);
  if (spec.type === 'integer' && !Number.isInteger(n)) throw badOption(method, name, `expects an integer, got '${String(raw)}'`);
  if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
    throw badOption(method, name, `must be in [${spec.min ?? '-inf'}, ${spec.max ?? 'inf'}], got ${n}`);
  }
  return n;
}

/** Checks raw values against the method's declarations, converts them and fills in defaults. */
export function resolveMethodOptions(method: QuantizationMethod, raw: RawOptionValues): MethodOptionValues {
  const out: Record<string, number | string | boolean | undefined> = {};
  for (const name of Object.keys(raw)) {
    if (raw[name] !== undefined && !Object.hasOwn(method.options, name)) {
      const known = Object.keys(method.options);
      throw badOption(method.name, name, `is not an option of this method (its options: ${known.length === 0 ? 'none' : known.join(', ')})`);
    }
  }
  for (const [name, spec] of Object.entries(method.options)) {
    const v = raw[name] ?? spec.default;
    out[name] = v === undefined ? undefined : convert(method.name, name, spec, v);
  }
  return out;
}

function typed<T>(options: MethodOptionValues, name: string, kind: string, ok: (v: unknown) => v is T): T {
  const v = options[name];
  if (!ok(v)) throw new SlimnetError('INVALID_ARGUMENT', `option '${name}' must be ${kind} (got ${String(v)})`);
  return v;
}

const isNumber = (v: unknown): v is number => typeof v === 'number';
const isString = (v: unknown): v is string => typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

/** A required number option (declared with a default, or checked here). */
export function optionNumber(options: MethodOptionValues, name: string): number {
  return typed(options, name, 'a number', isNumber);
}

export function optionInteger(options: MethodOptionValues, name: string): number {
  const n = optionNumber(options, name);
  if (!Number.isInteger(n)) throw new SlimnetError('INVALID_ARGUMENT', `option '${name}' must be an integer (got ${n})`);
  return n;
}

export function optionString(options: MethodOptionValues, name: string): string {
  return typed(options, name, 'a string', isString);
}

export function optionBoolean(options: MethodOptionValues, name: string): boolean {
  return options[name] === undefined ? false : typed(options, name, 'true or false', isBoolean);
}

/** An optional number option: undefined when unset. */
export function optionalNumber(options: MethodOptionValues, name: string): number | undefined {
  return options[name] === undefined ? undefined : optionNumber(options, name);
}

/** The context's data, or a typed error saying the method needs it. */
export function requireData(ctx: QuantizeContext, method: string, why = 'calibration and fine-tuning'): Dataset {
  if (ctx.data === undefined) throw new SlimnetError('INVALID_ARGUMENT', `quantize --method ${method} needs a data set for ${why}`);
  return ctx.data;
}

/** Comma-separated list option ('a,b,c') as names; empty when unset. */
export function optionList(options: MethodOptionValues, name: string): string[] {
  const v = options[name];
  if (v === undefined || v === '') return [];
  return String(v).split(',').map((s) => s.trim()).filter((s) => s !== '');
}
