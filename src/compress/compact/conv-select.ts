/**
 * Layer selection for the conv rewrites: every Conv the rewrite accepts (default), or the named layers,
 * where a name that is unknown, not a Conv, or not eligible is an INVALID_ARGUMENT error naming the reason.
 */
import { SlimnetError } from '../../ir/errors.js';
import { convInfo, type ConvInfo } from './graph-util.js';
import type { RawChange, RewriteContext, RewriteOutcome } from './rule.js';
import type { SkippedLayer } from './types.js';

/**
 * Why a conv cannot take this rewrite (undefined: it can). `named` is true for layers the caller listed:
 * rewrites then skip their "would not reduce MACs" check and rewrite as asked.
 */
export type Eligibility = (c: ConvInfo, named: boolean) => string | undefined;

/**
 * Rewrites the selected convs one by one with `replace` (which edits ctx.model and reports the change).
 * Every conv's info is read before any rewrite, from the shapes of the unmodified copy.
 */
export function rewriteConvs(
  ctx: RewriteContext,
  layers: readonly string[] | undefined,
  eligible: Eligibility,
  replace: (c: ConvInfo) => RawChange,
): RewriteOutcome {
  const graph = ctx.model.graph;
  const skipped: SkippedLayer[] = [];
  const chosen: ConvInfo[] = [];
  if (layers !== undefined) {
    for (const name of layers) {
      const node = graph.findNode(name);
      if (node === undefined) {
        const convs = graph.nodes.filter((n) => n.opType === 'Conv').map((n) => n.name);
        throw new SlimnetError('INVALID_ARGUMENT', `no layer named '${name}'; the model's convolutions: ${convs.join(', ') || 'none'}`);
      }
      const info = convInfo(node, ctx.shapeOf);
      const reason = typeof info === 'string' ? info : eligible(info, true);
      if (reason !== undefined) throw new SlimnetError('INVALID_ARGUMENT', `layer '${name}' cannot be rewritten: ${reason}`);
      chosen.push(info as ConvInfo);
    }
  } else {
    for (const node of graph.nodes) {
      if (node.opType !== 'Conv') continue;
      const info = convInfo(node, ctx.shapeOf);
      const reason = typeof info === 'string' ? info : eligible(info, false);
      if (reason === undefined) chosen.push(info as ConvInfo);
      else skipped.push({ layer: node.name, reason });
    }
  }
  if (graph.nodes.every((n) => n.opType !== 'Conv')) skipped.push({ layer: '(model)', reason: 'the model has no convolutions' });
  return { changes: chosen.map(replace), skipped };
}

/** The "would not reduce MACs" reason when a rewrite of `c` costs `after` MACs against the conv's own. */
export function costReason(c: ConvInfo, after: number, hint: string): string | undefined {
  const before = c.cout * (c.cin / c.group) * c.kh * c.kw * c.outH * c.outW;
  return after < before ? undefined : `would not reduce MACs (${before} -> ${after} per sample; ${hint})`;
}

/**
 * The smallest symmetric-as-possible padding [begin, end] that makes a window of `k` with `stride` produce
 * `out` positions from `size`, starting at the original's begin pad where it can; undefined if impossible
 * without cropping.
 */
export function padsFor(size: number, out: number, k: number, stride: number, originalBegin: number): [number, number] | undefined {
  const total = Math.max(0, (out - 1) * stride + k - size);
  if (Math.floor((size + total - k) / stride) + 1 !== out) return undefined;
  const begin = Math.min(originalBegin, total);
  return [begin, total - begin];
}
