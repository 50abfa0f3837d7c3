/** The compact-rewrite registry: one line per rewrite; `rewrite()` and `slimnet rewrite --to` look rewrites up here. */
import { Registry } from '../registry.js';
import { depthwiseRewrite } from './depthwise.js';
import { factorizeRewrite } from './factorize.js';
import { fireRewrite } from './fire.js';
import { fiveToThreeRewrite } from './five-to-three.js';
import { gapRewrite } from './gap.js';
import { resolutionRewrite } from './resolution.js';
import type { CompactRewrite } from './rule.js';
import { shuffleRewrite } from './shuffle.js';
import { widthRewrite } from './width.js';

const registry = new Registry<CompactRewrite>('compact rewrite');

/** Adds a rewrite to `rewrite()` and `slimnet rewrite --to` (flags and help follow from its options); returns it. */
export function registerRewrite(r: CompactRewrite): CompactRewrite {
  return registry.register(r);
}

for (const r of [depthwiseRewrite, fireRewrite, shuffleRewrite, factorizeRewrite, fiveToThreeRewrite, gapRewrite,
  widthRewrite, resolutionRewrite]) registerRewrite(r);

/** Every registered rewrite, in --help order (a live view of the registry). */
export const compactRewrites: readonly CompactRewrite[] = registry.all();

/** The rewrite called `name`, or an INVALID_ARGUMENT error listing the registered ones. */
export function compactRewrite(name: string): CompactRewrite {
  return registry.get(name);
}
