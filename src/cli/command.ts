/**
 * The shape of a CLI command: options declared once (parsed by node:util parseArgs, and the same
 * declaration renders --help), one library call, then printing (a table by default, JSON with --json).
 */
import { parseArgs } from 'node:util';
import { SlimnetError } from '../ir/errors.js';
import { checkNumericFlag, parseDecimal, ruleOf, type NumericRule } from './numeric-flags.js';

export { COUNT, FRACTION, NON_NEGATIVE, POSITIVE, POSITIVE_INT, SEED, type NumericRule } from './numeric-flags.js';

/** One command-line option: its type, help text and (for numeric flags) the values it accepts. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** One-line description shown by --help. */
  readonly description: string;
  /**
   * Value placeholder in help, e.g. 'N' or 'PATH'. A string flag with placeholder 'N' and no `numeric`
   * rule accepts only non-negative integers (COUNT).
   */
  readonly placeholder?: string;
  readonly default?: string | boolean;
  readonly short?: string;
  /** For numeric string flags: the kind of number and its range, checked when the command line is parsed. */
  readonly numeric?: NumericRule;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Parsed option values: strings and booleans, by option name. */
export type ParsedOptions = Readonly<Record<string, string | boolean | undefined>>;

/** Where a command writes: results on `out`, messages on `err`, and an optional live status line. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  /** Replaces the live status line (a terminal's rewritten line; '' clears it). Absent: no live line. */
  live?(text: string): void;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Positional arguments, e.g. '<model.onnx>'. */
  readonly positionals: string;
  readonly options: OptionSpecs;
  /** Extra help text after the options. */
  readonly details?: string;
  run(positionals: readonly string[], options: ParsedOptions, io: CommandIo): Promise<number>;
}

/** Options every command accepts. */
export const COMMON_OPTIONS: OptionSpecs = {
  json: { type: 'boolean', description: 'print machine-readable JSON instead of tables' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

/**
 * Parses a command's arguments against its option specs. Unknown options, and numeric flags outside their
 * spec's rule (see OptionSpec.numeric), are INVALID_ARGUMENT errors raised before the command runs.
 */
export function parseCommandArgs(cmd: Command, argv: readonly string[]): { positionals: string[]; options: ParsedOptions } {
  const specs = { ...COMMON_OPTIONS, ...cmd.options };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [k, s] of Object.entries(specs)) options[k] = s.short === undefined ? { type: s.type } : { type: s.type, short: s.short };
  let parsed: { positionals: string[]; values: Record<string, string | boolean | undefined> };
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    throw new SlimnetError('INVALID_ARGUMENT', `${cmd.name}: ${e instanceof Error ? e.message : String(e)} (see slimnet ${cmd.name} --help)`);
  }
  const values: Record<string, string | boolean | undefined> = {};
  for (const [k, s] of Object.entries(specs)) values[k] = parsed.values[k] ?? s.default;
  checkNumericFlags(specs, values);
  givenFlags.set(values, new Set(Object.keys(parsed.values).filter((k) => parsed.values[k] !== undefined)));
  return { positionals: parsed.positionals, options: values };
}

const givenFlags = new WeakMap<ParsedOptions, ReadonlySet<string>>();

/** True when `name` was given on the command line (not filled in from its default). */
export function isGiven(o: ParsedOptions, name: string): boolean {
  return givenFlags.get(o)?.has(name) ?? o[name] !== undefined;
}

/** Every numeric flag's value (given or default) against its spec's rule. */
function checkNumericFlags(specs: OptionSpecs, values: ParsedOptions): void {
  for (const [name, spec] of Object.entries(specs)) {
    const rule = ruleOf(spec);
    const v = values[name];
    if (rule === undefined || typeof v !== 'string') continue;
    checkNumericFlag(name, v, rule);
  }
}

export function commandHelp(cmd: Command): string {
  const specs = { ...cmd.options, ...COMMON_OPTIONS };
  const rows = Object.entries(specs).map(([k, s]) => {
    const flag = `${s.short === undefined ? '' : `-${s.short}, `}--${k}${s.type === 'string' ? ` ${s.placeholder ?? 'VALUE'}` : ''}`;
    const def = s.default === undefined || s.default === false ? '' : ` (default: ${String(s.default)})`;
    return `  ${flag.padEnd(30)} ${s.description}${def}`;
  });
  return [`usage: slimnet ${cmd.name} ${cmd.positionals} [options]`, '', cmd.summary, '', 'options:', ...rows, ...(cmd.details === undefined ? [] : ['', cmd.details])].join('\n');
}

/** Typed accessors for parsed options, with clear errors. */
export function optString(o: ParsedOptions, name: string): string | undefined {
  const v = o[name];
  return typeof v === 'string' ? v : undefined;
}

export function optNumber(o: ParsedOptions, name: string, fallback: number): number;
export function optNumber(o: ParsedOptions, name: string): number | undefined;
export function optNumber(o: ParsedOptions, name: string, fallback?: number): number | undefined {
  const v = o[name];
  if (typeof v !== 'string') return fallback;
  const n = parseDecimal(v);
  if (n === undefined) throw new SlimnetError('INVALID_ARGUMENT', `--${name} expects a number, got '${v}'`);
  return n;
}

export function optInt(o: ParsedOptions, name: string, fallback: number): number {
  const n = optNumber(o, name, fallback);
  if (!Number.isInteger(n)) throw new SlimnetError('INVALID_ARGUMENT', `--${name} expects an integer, got '${String(o[name])}'`);
  return n;
}

export function requirePositional(cmd: Command, positionals: readonly string[], index: number, what: string): string {
  const v = positionals[index];
  if (v === undefined) throw new SlimnetError('INVALID_ARGUMENT', `slimnet ${cmd.name}: missing ${what} (usage: slimnet ${cmd.name} ${cmd.positionals})`);
  return v;
}
