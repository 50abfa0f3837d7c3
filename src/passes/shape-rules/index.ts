/** The merged shape-rule table: one entry per op type, gathered from the per-family files. */
import { SlimnetError } from '../../ir/errors.js';
import { constantRules } from './constants.js';
import { convRules } from './conv.js';
import { elementwiseRules } from './elementwise.js';
import { linalgRules } from './linalg.js';
import { normRules } from './norm.js';
import { poolRules } from './pool.js';
import { reduceRules } from './reduce.js';
import { reshapeRules } from './reshape.js';
import { resizeRules } from './resize.js';
import { rnnRules } from './rnn.js';
import { signalRules } from './signal.js';
import { slicingRules } from './slicing.js';
import type { RuleTable, ShapeRule } from './types.js';

export type { RuleContext, RuleTable, ShapeRule, ValueInfo } from './types.js';

/** Merges rule tables, throwing when two families claim the same op type. */
export function mergeRuleTables(tables: Readonly<Record<string, RuleTable>>): ReadonlyMap<string, ShapeRule> {
  const merged = new Map<string, ShapeRule>();
  const owner = new Map<string, string>();
  for (const [family, table] of Object.entries(tables)) {
    for (const [op, rule] of Object.entries(table)) {
      const prev = owner.get(op);
      if (prev !== undefined) {
        throw new SlimnetError('INVALID_ARGUMENT', `shape rule for '${op}' is defined twice (families '${prev}' and '${family}')`);
      }
      owner.set(op, family);
      merged.set(op, rule);
    }
  }
  return merged;
}

export const SHAPE_RULES: ReadonlyMap<string, ShapeRule> = mergeRuleTables({
  constants: constantRules,
  conv: convRules,
  elementwise: elementwiseRules,
  linalg: linalgRules,
  norm: normRules,
  pool: poolRules,
  reduce: reduceRules,
  reshape: reshapeRules,
  resize: resizeRules,
  rnn: rnnRules,
  signal: signalRules,
  slicing: slicingRules,
});
