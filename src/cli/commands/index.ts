/** Every CLI command, registered once here; a duplicate name is a programming error. */
import type { Command } from '../command.js';
import { decomposeCommand } from './decompose.js';
import { deepCompressCommand } from './deep-compress.js';
import { distillCommand } from './distill.js';
import { evalCommand } from './eval.js';
import { inspectCommand } from './inspect.js';
import { packCommand, unpackCommand } from './pack.js';
import { pruneCommand } from './prune.js';
import { rewriteCommand } from './rewrite.js';
import { quantizeCommand } from './quantize.js';
import { sensitivityCommand } from './sensitivity.js';
import { shareCommand } from './share.js';
import { trainCommand } from './train.js';
import { xnorCommand } from './xnor.js';

function registry(list: readonly Command[]): readonly Command[] {
  const seen = new Set<string>();
  for (const c of list) {
    if (seen.has(c.name)) throw new Error(`duplicate CLI command '${c.name}'`);
    seen.add(c.name);
  }
  return list;
}

export const commands = registry([
  inspectCommand, evalCommand, trainCommand, pruneCommand, sensitivityCommand,
  quantizeCommand, deepCompressCommand, packCommand, unpackCommand, xnorCommand, shareCommand,
  decomposeCommand, rewriteCommand, distillCommand,
]);
