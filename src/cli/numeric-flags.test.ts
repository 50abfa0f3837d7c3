import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSlimnetError } from '../ir/errors.js';
import { parseCommandArgs, optNumber, type Command } from './command.js';
import { commands } from './commands/index.js';
import {
  checkNumericFlag, COUNT, describeRule, FRACTION, parseDecimal, POSITIVE, POSITIVE_INT, ruleOf, satisfies, SEED,
} from './numeric-flags.js';

test('parseDecimal accepts plain decimals only', () => {
  assert.equal(parseDecimal('3'), 3);
  assert.equal(parseDecimal('-0.5'), -0.5);
  assert.equal(parseDecimal('.25'), 0.25);
  assert.equal(parseDecimal('1e-3'), 0.001);
  for (const bad of ['', ' 1', '1 ', '0x10', 'NaN', 'Infinity', '-Infinity', '1e999', '1,5', '2x', '--3']) {
    assert.equal(parseDecimal(bad), undefined, bad);
  }
});

test('rules check kind and bounds, and describe themselves', () => {
  assert.ok(satisfies(0, COUNT) && !satisfies(-1, COUNT) && !satisfies(0.5, COUNT));
  assert.ok(satisfies(1, POSITIVE_INT) && !satisfies(0, POSITIVE_INT));
  assert.ok(!satisfies(1e300, POSITIVE_INT), 'integers beyond 2^53 have lost digits');
  assert.ok(satisfies(1e-9, POSITIVE) && !satisfies(0, POSITIVE));
  assert.ok(satisfies(0.5, FRACTION) && !satisfies(0, FRACTION) && !satisfies(1, FRACTION));
  assert.ok(satisfies(2 ** 32 - 1, SEED) && !satisfies(2 ** 32, SEED) && !satisfies(-1, SEED));
  assert.equal(describeRule(FRACTION), 'a number > 0 and < 1');
  assert.equal(describeRule(POSITIVE_INT), 'an integer >= 1');
  assert.equal(checkNumericFlag('epochs', '3', POSITIVE_INT), 3);
  assert.throws(() => checkNumericFlag('epochs', '2.5', POSITIVE_INT), /--epochs must be an integer >= 1, got '2\.5'/);
});

test("a string flag whose placeholder is 'N' is a count unless its spec says otherwise", () => {
  assert.deepEqual(ruleOf({ type: 'string', placeholder: 'N' }), COUNT);
  assert.deepEqual(ruleOf({ type: 'string', placeholder: 'N', numeric: POSITIVE_INT }), POSITIVE_INT);
  assert.equal(ruleOf({ type: 'string', placeholder: 'PATH' }), undefined);
  assert.equal(ruleOf({ type: 'boolean' }), undefined);
});

const runs = { type: 'string', placeholder: 'N', description: '', default: '5' } as const;
const rate = { type: 'string', placeholder: 'RATE', description: '', numeric: POSITIVE } as const;
const probe = (options: Command['options']): Command => ({
  name: 'probe', summary: '', positionals: '', options, run: async () => 0,
});

test('parseCommandArgs checks given values and defaults against the rules, before the command runs', () => {
  const bad = (argv: string[], flag: RegExp): void => {
    const refused = (e: unknown): boolean => isSlimnetError(e, 'INVALID_ARGUMENT') && flag.test(e.message);
    assert.throws(() => parseCommandArgs(probe({ runs, rate }), argv), refused);
  };
  bad(['--runs=-2'], /--runs must be an integer >= 0, got '-2'/);
  bad(['--runs', '1.5'], /--runs/);
  bad(['--rate', '0'], /--rate must be a number > 0/);
  bad(['--rate', ''], /--rate/);
  const broken = { ...runs, default: '-1' };
  assert.throws(() => parseCommandArgs(probe({ broken }), []), /--broken must be an integer >= 0, got '-1'/);
  const ok = parseCommandArgs(probe({ runs, rate }), ['--rate', '0.01']);
  assert.equal(optNumber(ok.options, 'rate'), 0.01);
  assert.equal(ok.options.runs, '5');
});

/** Placeholders that name a number: counts, rates, weights, fractions, bits, multipliers. */
const NUMERIC_PLACEHOLDERS = /^(N|RATE|WD|W|M|ALPHA|B|F|T|A|P|E|R|G|BITS)$/;
/** Flags known to lack a rule (their command validates the value itself). */
const UNRULED = new Set<string>();

test('every numeric flag of every command has a rule, and every default satisfies it', () => {
  const missing: string[] = [];
  for (const c of commands) {
    for (const [name, spec] of Object.entries(c.options)) {
      const rule = ruleOf(spec);
      const numeric = spec.type === 'string' && NUMERIC_PLACEHOLDERS.test(spec.placeholder ?? '');
      if (rule === undefined && numeric) missing.push(`${c.name} --${name}`);
      if (rule !== undefined && typeof spec.default === 'string') checkNumericFlag(name, spec.default, rule);
    }
  }
  assert.deepEqual(missing.filter((m) => !UNRULED.has(m)), []);
});
