/**
 * The option schema every compression method declares once: a type, bounds or choices, a default and one line of
 * help per option. The options object a method's `run` receives is typed from the schema (`OptionValues<S>`), and
 * the CLI derives flags, `--options key=value` parsing, help and validation from the same declaration.
 */
import { SlimnetError } from '../ir/errors.js';

/** Value types a method option can take. */
export type OptionType = 'number' | 'integer' | 'string' | 'boolean';

/** Declaration of one method option. */
export interface OptionSpec {
  readonly type: OptionType;
  /** One line for --help. */
  readonly description: string;
  /** Value placeholder in help, e.g. 'N', 'BITS', 'RATE'. */
  readonly placeholder?: string;
  /** Value used when the caller gives none (absent: the option stays undefined). */
  readonly default?: number | string | boolean;
  /** For 'string' options: the accepted values. */
  readonly choices?: readonly string[];
  /** Inclusive lower bound of 'number' / 'integer' options. */
  readonly min?: number;
  /** Inclusive upper bound of 'number' / 'integer' options. */
  readonly max?: number;
}

/** A method's options by camelCase name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The value type of an option type ('integer' and 'number' are numbers). */
export type ValueOfType<T extends OptionType> = T extends 'boolean' ? boolean : T extends 'string' ? string : number;

/** The value type one declaration describes: its choices, or its type. */
export type OptionValue<S extends OptionSpec> = S extends { readonly choices: readonly (infer C)[] } ? C
  : ValueOfType<S['type']>;

/** Checked option values typed from a schema: options with a default are always set, others may be undefined. */
export type OptionValues<S extends OptionSpecs> = {
  readonly [K in keyof S]: S[K] extends { readonly default: number | string | boolean }
    ? OptionValue<S[K]> : OptionValue<S[K]> | undefined;
};

/** Raw option input: strings from the command line, or typed values from library callers. */
export type RawOptions = Readonly<Record<string, string | number | boolean | undefined>>;

/** Checked values of an untyped schema (what a registry hands around). */
export type AnyOptionValues = Readonly<Record<string, number | string | boolean | undefined>>;

/** Declares a schema, keeping its literal types (choices, defaults) for `OptionValues`. */
export function defineOptions<const S extends OptionSpecs>(specs: S): S {
  return specs;
}

function bad(where: string, name: string, msg: string): SlimnetError {
  return new SlimnetError('INVALID_ARGUMENT', `${where}: option '${name}' ${msg}`);
}

type Value = number | string | boolean;

function convert(where: string, name: string, spec: OptionSpec, raw: Value): Value {
  if (spec.type === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    throw bad(where, name, `expects true or false, got '${String(raw)}'`);
  }
  if (spec.type === 'string') {
    const s = String(raw);
    if (spec.choices !== undefined && !spec.choices.includes(s)) {
      throw bad(where, name, `must be one of ${spec.choices.join(', ')}, got '${s}'`);
    }
    return s;
  }
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(n)) throw bad(where, name, `expects a number, got '${String(raw)}'`);
  if (spec.type === 'integer' && !Number.isInteger(n)) {
    throw bad(where, name, `expects an integer, got '${String(raw)}'`);
  }
  if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
    throw bad(where, name, `must be in [${spec.min ?? '-inf'}, ${spec.max ?? 'inf'}], got ${n}`);
  }
  return n;
}

/**
 * Checks raw values against a schema, converts them and fills in defaults. A key the schema does not declare is
 * an INVALID_ARGUMENT error naming it and listing the valid ones; `where` names the method in messages
 * (e.g. "pruning method 'magnitude'").
 */
export function resolveOptions<S extends OptionSpecs>(where: string, specs: S, raw: RawOptions): OptionValues<S> {
  const unknown = Object.keys(raw).filter((k) => raw[k] !== undefined && !Object.hasOwn(specs, k));
  if (unknown.length > 0) {
    const valid = Object.keys(specs);
    throw new SlimnetError('INVALID_ARGUMENT', `unknown option ${unknown.map((k) => `'${k}'`).join(', ')} for ${where} `
      + `(valid: ${valid.length === 0 ? 'none' : valid.join(', ')})`);
  }
  const out: Record<string, number | string | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const v = raw[name] ?? spec.default;
    out[name] = v === undefined ? undefined : convert(where, name, spec, v);
  }
  return out as OptionValues<S>;
}

/** `--options 'k=v,k=v'` as raw options (values stay strings; `resolveOptions` converts them). */
export function parseOptionText(text: string | undefined): Record<string, string> {
  if (text === undefined || text.trim() === '') return {};
  return Object.fromEntries(text.split(',').map((kv) => {
    const eq = kv.indexOf('=');
    if (eq <= 0) {
      const why = `--options: expected key=value pairs separated by commas, got '${kv}'`;
      throw new SlimnetError('INVALID_ARGUMENT', why);
    }
    return [kv.slice(0, eq).trim(), kv.slice(eq + 1).trim()];
  }));
}

/** A comma-separated (or `sep`-separated) list as trimmed names; empty when unset. */
export function splitList(value: string | undefined, sep = ','): string[] {
  if (value === undefined || value === '') return [];
  return value.split(sep).map((s) => s.trim()).filter((s) => s !== '');
}
