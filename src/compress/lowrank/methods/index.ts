/** The low-rank methods, registered by name in the family's Registry. */
import { cpMethod } from './cp.js';
import { jaderbergMethod } from './jaderberg.js';
import { svdMethod } from './svd.js';
import { tucker2Method } from './tucker2.js';
import { Registry } from '../../registry.js';
import type { LowRankMethod } from './types.js';

const registry = new Registry<LowRankMethod>('low-rank');

/** Adds a low-rank method (one line per method); a malformed or duplicate name throws. */
export function registerLowRankMethod(m: LowRankMethod): LowRankMethod {
  return registry.register(m);
}

for (const m of [svdMethod, jaderbergMethod, cpMethod, tucker2Method]) registerLowRankMethod(m);

/** The registered low-rank methods, in --help order (a live view of the registry). */
export const lowRankMethods: readonly LowRankMethod[] = registry.all();

/** The method called `name`, or a typed error listing the registered ones. */
export function lowRankMethod(name: string): LowRankMethod {
  return registry.get(name);
}
