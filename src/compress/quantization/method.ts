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
import { splitList, type AnyOptionValues, type OptionSpecs, type OptionValues } from '../options.js';
import type { MethodEntry } from '../registry.js';

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

/**
 * What a quantization method returns: the ONNX model onnxruntime runs, a JSON report and its readable summary, and a
 * packed form when it has one.
 */
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

/** A quantization method: options typed from its schema (see defineQuantizationMethod). */
export interface QuantizationMethod<S extends OptionSpecs = OptionSpecs> extends MethodEntry<S> {
  run(model: Model, options: OptionValues<S>, ctx: QuantizeContext): Promise<QuantizeOutcome>;
}

/** A quantization method whose `run` sees its options typed from the `options` schema. */
export function defineQuantizationMethod<const S extends OptionSpecs>(m: QuantizationMethod<S>): QuantizationMethod {
  return m as unknown as QuantizationMethod;
}

function typed<T>(options: AnyOptionValues, name: string, kind: string, ok: (v: unknown) => v is T): T {
  const v = options[name];
  if (!ok(v)) throw new SlimnetError('INVALID_ARGUMENT', `option '${name}' must be ${kind} (got ${String(v)})`);
  return v;
}

const isNumber = (v: unknown): v is number => typeof v === 'number';
const isString = (v: unknown): v is string => typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

/** A required number option (declared with a default, or checked here). */
export function optionNumber(options: AnyOptionValues, name: string): number {
  return typed(options, name, 'a number', isNumber);
}

/** A method option read as an integer; throws INVALID_ARGUMENT when it is unset, not a number or not an integer. */
export function optionInteger(options: AnyOptionValues, name: string): number {
  const n = optionNumber(options, name);
  if (!Number.isInteger(n)) throw new SlimnetError('INVALID_ARGUMENT', `option '${name}' must be an integer (got ${n})`);
  return n;
}

/** A method option read as a string; throws INVALID_ARGUMENT when it is unset or not a string. */
export function optionString(options: AnyOptionValues, name: string): string {
  return typed(options, name, 'a string', isString);
}

/** A method option read as a boolean (false when unset); throws INVALID_ARGUMENT when it has another type. */
export function optionBoolean(options: AnyOptionValues, name: string): boolean {
  return options[name] === undefined ? false : typed(options, name, 'true or false', isBoolean);
}

/** An optional number option: undefined when unset. */
export function optionalNumber(options: AnyOptionValues, name: string): number | undefined {
  return options[name] === undefined ? undefined : optionNumber(options, name);
}

/** The context's data, or a typed error saying the method needs it. */
export function requireData(ctx: QuantizeContext, method: string, why = 'calibration and fine-tuning'): Dataset {
  if (ctx.data === undefined) throw new SlimnetError('INVALID_ARGUMENT', `quantize --method ${method} needs a data set for ${why}`);
  return ctx.data;
}

/** Comma-separated list option ('a,b,c') as names; empty when unset. */
export function optionList(options: AnyOptionValues, name: string): string[] {
  const v = options[name];
  return splitList(v === undefined ? undefined : String(v));
}
