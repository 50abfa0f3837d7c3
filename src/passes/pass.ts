/** The pass contract (after onnx ir-py): a pass rewrites a model in place and says whether it changed it. */
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';

/** What a pass returns: the model (possibly the same object, edited) and whether anything changed. */
export interface PassResult {
  readonly model: Model;
  readonly modified: boolean;
}

/** A named graph transformation run by `runPasses`. */
export interface Pass {
  readonly name: string;
  run(model: Model): PassResult;
}

/** Runs passes in order, repeating the whole list until none modifies the model (at most `maxRounds`). */
export function runPasses(model: Model, passes: readonly Pass[], maxRounds = 10): PassResult {
  let any = false;
  for (let round = 0; round < maxRounds; round++) {
    let modified = false;
    for (const p of passes) {
      try {
        modified = p.run(model).modified || modified;
      } catch (e) {
        if (e instanceof SlimnetError) throw e;
        throw new SlimnetError('RUNTIME', `pass '${p.name}' failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    }
    any ||= modified;
    if (!modified) break;
  }
  return { model, modified: any };
}
