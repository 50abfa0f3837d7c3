/**
 * Numeric command-line flags: strict decimal parsing and the range rules an option spec declares
 * (`OptionSpec.numeric`), so a negative batch size or a fractional epoch count is a typed error before a
 * command does any work.
 */
import { SlimnetError } from '../ir/errors.js';

/** What a numeric flag accepts: an integer or any finite number, within optional bounds. */
export interface NumericRule {
  readonly kind: 'integer' | 'number';
  /** Inclusive lower bound. */
  readonly min?: number;
  /** Exclusive lower bound. */
  readonly above?: number;
  /** Inclusive upper bound. */
  readonly max?: number;
  /** Exclusive upper bound. */
  readonly below?: number;
}

/** A count that may be zero (epochs of an optional stage, timed runs where 0 skips). */
export const COUNT: NumericRule = { kind: 'integer', min: 0 };
/** A count of at least one (batch size, threads, sample limits). */
export const POSITIVE_INT: NumericRule = { kind: 'integer', min: 1 };
/** A seed: the generator uses 32 bits, so larger values would silently alias smaller ones. */
export const SEED: NumericRule = { kind: 'integer', min: 0, max: 2 ** 32 - 1 };
/** A number above zero (learning rates, temperatures, width multipliers). */
export const POSITIVE: NumericRule = { kind: 'number', above: 0 };
/** A number of at least zero (weight decay, penalty weights). */
export const NON_NEGATIVE: NumericRule = { kind: 'number', min: 0 };
/** A fraction strictly between 0 and 1. */
export const FRACTION: NumericRule = { kind: 'number', above: 0, below: 1 };

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/** The value of a plain decimal number ('3', '-0.5', '1e-3'); undefined for anything else (hex, '', 'NaN', ' 1'). */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** 'an integer >= 1', 'a number > 0 and < 1'... */
export function describeRule(rule: NumericRule): string {
  const bounds = [
    rule.min === undefined ? undefined : `>= ${rule.min}`, rule.above === undefined ? undefined : `> ${rule.above}`,
    rule.max === undefined ? undefined : `<= ${rule.max}`, rule.below === undefined ? undefined : `< ${rule.below}`,
  ].filter((b): b is string => b !== undefined);
  const kind = rule.kind === 'integer' ? 'an integer' : 'a number';
  return bounds.length === 0 ? kind : `${kind} ${bounds.join(' and ')}`;
}

/** True when `n` satisfies `rule`. */
export function satisfies(n: number, rule: NumericRule): boolean {
  if (rule.kind === 'integer' && !Number.isSafeInteger(n)) return false;
  return (rule.min === undefined || n >= rule.min) && (rule.above === undefined || n > rule.above)
    && (rule.max === undefined || n <= rule.max) && (rule.below === undefined || n < rule.below);
}

/** The value of flag `--name` given as `text`, or an INVALID_ARGUMENT error naming the flag and the rule. */
export function checkNumericFlag(name: string, text: string, rule: NumericRule): number {
  const n = parseDecimal(text);
  if (n === undefined || !satisfies(n, rule)) {
    throw new SlimnetError('INVALID_ARGUMENT', `--${name} must be ${describeRule(rule)}, got '${text}'`);
  }
  return n;
}

/** The rule of an option spec: its own, or COUNT for a string flag whose placeholder is 'N'. */
export function ruleOf(spec: {
  readonly type: string; readonly placeholder?: string; readonly numeric?: NumericRule;
}): NumericRule | undefined {
  if (spec.numeric !== undefined) return spec.numeric;
  return spec.type === 'string' && spec.placeholder === 'N' ? COUNT : undefined;
}
