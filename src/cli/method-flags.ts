/**
 * Command-line flags derived from a registry's option declarations: each camelCase option of any method becomes a
 * kebab-case flag (`weightBits` -> `--weight-bits`), its help and numeric range come from the declarations, and the
 * selected method's values are checked against its own schema (a flag of another method is a typed error).
 */
import type { OptionSpec, RawOptions } from '../compress/options.js';
import { resolveMethodOptions, type MethodEntry } from '../compress/registry.js';
import { SlimnetError } from '../ir/errors.js';
import type { NumericRule, OptionSpecs, ParsedOptions } from './command.js';
import { optionLines } from './method-help.js';

/** camelCase option name -> kebab-case flag. */
export function flagOf(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

interface MethodFlag {
  readonly option: string;
  /** Every method's declaration of the option. */
  readonly specs: Array<{ readonly method: string; readonly spec: OptionSpec }>;
}

function methodFlags(methods: readonly MethodEntry[], command: OptionSpecs): Map<string, MethodFlag> {
  const flags = new Map<string, MethodFlag>();
  for (const m of methods) {
    for (const [option, spec] of Object.entries(m.options)) {
      const flag = flagOf(option);
      if (Object.hasOwn(command, flag) || flag === 'json' || flag === 'help') {
        const why = `method '${m.name}' option '${option}' collides with the command's --${flag}`;
        throw new SlimnetError('INVALID_ARGUMENT', why);
      }
      const f = flags.get(flag) ?? { option, specs: [] };
      f.specs.push({ method: m.name, spec });
      flags.set(flag, f);
    }
  }
  return flags;
}

/** One description for all methods; methods whose choices differ (kmeans --init vs hashed --init) each say theirs. */
function flagDescription(f: MethodFlag): string {
  const groups = new Map<string, { description: string; methods: string[] }>();
  for (const { method, spec } of f.specs) {
    const key = [...(spec.choices ?? [])].sort().join('|');
    const g = groups.get(key) ?? { description: spec.description, methods: [] };
    g.methods.push(method);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => `${g.description} [${g.methods.join(', ')}]`).join('; ');
}

/**
 * The values a numeric method flag may take under some method: integer when every declaration is, bounded where
 * every declaration is (the union of their ranges). The selected method's own range is checked afterwards.
 */
function numericRule(specs: readonly OptionSpec[]): NumericRule | undefined {
  if (!specs.every((s) => s.type === 'number' || s.type === 'integer')) return undefined;
  const mins = specs.map((s) => s.min);
  const maxs = specs.map((s) => s.max);
  return {
    kind: specs.every((s) => s.type === 'integer') ? 'integer' : 'number',
    ...(mins.every((m) => m !== undefined) ? { min: Math.min(...(mins as number[])) } : {}),
    ...(maxs.every((m) => m !== undefined) ? { max: Math.max(...(maxs as number[])) } : {}),
  };
}

/** The command's own flags plus one flag per method option (derived when asked: later registrations count). */
export function methodFlagSpecs(methods: readonly MethodEntry[], command: OptionSpecs): OptionSpecs {
  const out: Record<string, OptionSpecs[string]> = { ...command };
  for (const [flag, f] of methodFlags(methods, command)) {
    const specs = f.specs.map((s) => s.spec);
    const first = specs[0] as OptionSpec;
    const choices = [...new Set(specs.flatMap((s) => s.choices ?? []))];
    const numeric = numericRule(specs);
    out[flag] = {
      type: first.type === 'boolean' ? 'boolean' : 'string',
      placeholder: choices.length > 0 ? choices.join('|') : first.placeholder ?? 'VALUE',
      description: flagDescription(f),
      ...(numeric === undefined ? {} : { numeric }),
    };
  }
  return out;
}

/**
 * `method`'s options from the parsed flags, checked (bad values fail before any data is loaded); `selector` is the
 * flag that chose the method (`--method`, or `--to` for rewrite), named in the error for another method's flag.
 */
export function methodOptionsFromFlags(
  methods: readonly MethodEntry[], m: MethodEntry, command: OptionSpecs, o: ParsedOptions, selector = 'method',
): RawOptions {
  const raw: Record<string, string | boolean> = {};
  for (const [flag, f] of methodFlags(methods, command)) {
    const v = o[flag];
    if (v === undefined) continue;
    if (!Object.hasOwn(m.options, f.option)) {
      const owners = f.specs.map((s) => s.method).join(', ');
      throw new SlimnetError('INVALID_ARGUMENT', `--${flag} is an option of ${owners}, not of --${selector} ${m.name}`);
    }
    raw[f.option] = v;
  }
  resolveMethodOptions(m, raw);
  return raw;
}

/** Help: every method with its summary and its flags (defaults per method). */
export function methodFlagHelp(methods: readonly MethodEntry[]): string[] {
  return ['methods (defaults per method):', ...methods.flatMap((m) => [
    `  ${m.name}: ${m.summary}${m.reference === undefined ? '' : ` (${m.reference})`}`,
    ...optionLines(m.options, (k) => `--${flagOf(k)} `),
  ])];
}
