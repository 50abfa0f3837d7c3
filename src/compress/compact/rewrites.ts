/** The rewrite table: one entry per rewrite, keyed by its name (a missing or misfiled entry fails to compile). */
import { depthwiseRewrite } from './depthwise.js';
import { factorizeRewrite } from './factorize.js';
import { fireRewrite } from './fire.js';
import { fiveToThreeRewrite } from './five-to-three.js';
import { gapRewrite } from './gap.js';
import { resolutionRewrite } from './resolution.js';
import type { CompactRewrite } from './rule.js';
import { shuffleRewrite } from './shuffle.js';
import type { RewriteName } from './types.js';
import { widthRewrite } from './width.js';

/** The compact rewrites by name: depthwise, fire, shuffle, factorize, 5x5-to-3x3, gap, width, resolution. */
export const REWRITES: { readonly [K in RewriteName]: CompactRewrite<K> } = {
  depthwise: depthwiseRewrite,
  fire: fireRewrite,
  shuffle: shuffleRewrite,
  factorize: factorizeRewrite,
  '5x5-to-3x3': fiveToThreeRewrite,
  gap: gapRewrite,
  width: widthRewrite,
  resolution: resolutionRewrite,
};

/** Rewrite names in table order. */
export const REWRITE_NAMES = Object.keys(REWRITES) as readonly RewriteName[];

/** Whether a string names a compact rewrite. */
export function isRewriteName(name: string): name is RewriteName {
  return Object.prototype.hasOwnProperty.call(REWRITES, name);
}
