/**
 * The gradient-rule table: every op's rule, merged from the per-family files. A duplicate op type is a
 * programming error and throws at load time.
 */
import type { GradientRule, GradientTable } from '../rule.js';
import { activationRules } from './activation.js';
import { elementwiseRules } from './elementwise.js';
import { nnRules } from './nn.js';
import { reduceRules } from './reduce.js';
import { shapeRules } from './shape-ops.js';
import { signalRules } from './signal.js';

function merge(...tables: GradientTable[]): Readonly<Record<string, GradientRule>> {
  const out: Record<string, GradientRule> = {};
  for (const t of tables) {
    for (const [op, rule] of Object.entries(t)) {
      if (op in out) throw new Error(`duplicate gradient rule for '${op}'`);
      out[op] = rule;
    }
  }
  return out;
}

export const gradientRules = merge(elementwiseRules, activationRules, reduceRules, shapeRules, nnRules, signalRules);
