/** The low-rank methods, registered once by name (a duplicate is a programming error). */
import { cpMethod } from './cp.js';
import { jaderbergMethod } from './jaderberg.js';
import { svdMethod } from './svd.js';
import { tucker2Method } from './tucker2.js';
import type { LowRankMethod, LowRankMethodName } from './types.js';

function registry(list: readonly LowRankMethod[]): ReadonlyMap<LowRankMethodName, LowRankMethod> {
  const m = new Map<LowRankMethodName, LowRankMethod>();
  for (const method of list) {
    if (m.has(method.name)) throw new Error(`duplicate low-rank method '${method.name}'`);
    m.set(method.name, method);
  }
  return m;
}

export const LOW_RANK_METHODS = registry([svdMethod, jaderbergMethod, cpMethod, tucker2Method]);

export const LOW_RANK_METHOD_NAMES: readonly LowRankMethodName[] = [...LOW_RANK_METHODS.keys()];
