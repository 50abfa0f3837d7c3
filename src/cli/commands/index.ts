/** Every CLI command, registered once here; a duplicate name is a programming error. */
import type { Command } from '../command.js';
import { distillCommand } from './distill.js';
import { evalCommand } from './eval.js';
import { inspectCommand } from './inspect.js';
import { pruneCommand } from './prune.js';
import { sensitivityCommand } from './sensitivity.js';
import { trainCommand } from './train.js';

function registry(list: readonly Command[]): readonly Command[] {
  const seen = new Set<string>();
  for (const c of list) {
    if (seen.has(c.name)) throw new Error(`duplicate CLI command '${c.name}'`);
    seen.add(c.name);
  }
  return list;
}

export const commands = registry([inspectCommand, evalCommand, trainCommand, pruneCommand, sensitivityCommand, distillCommand]);
