/**
 * One namespace for the names of every pruning method, unstructured and structured: `slimnet prune --method NAME`
 * picks either kind, so a name registered by one kind is refused by the other instead of shadowing it.
 */
import { SlimnetError } from '../../../ir/errors.js';

const owners = new Map<string, 'unstructured' | 'structured'>();

/** Claims `name` for `kind`; a name the other kind holds is an INVALID_ARGUMENT error. */
export function claimPruningName(name: string, kind: 'unstructured' | 'structured'): void {
  const owner = owners.get(name);
  if (owner !== undefined && owner !== kind) {
    throw new SlimnetError('INVALID_ARGUMENT', `pruning method name '${name}' is already an ${owner} method `
      + `(unstructured and structured pruning share one namespace)`);
  }
  owners.set(name, kind);
}
