/** The contract of one compact rewrite (see rewrites.ts for the table and rewrite.ts for the driver). */
import type { Model } from '../../ir/graph.js';
import type { StaticShapeOf } from '../../passes/specialize-shapes.js';
import type { OptionSpecs, OptionValues } from '../options.js';
import type { MethodEntry } from '../registry.js';
import type { LayerMaker } from './graph-util.js';
import type { RewriteInit, SkippedLayer } from './types.js';

/** A change as the rewrite reports it; the driver adds params and MACs before / after. */
export interface RawChange {
  readonly layers: readonly string[];
  readonly into: readonly string[];
  readonly detail: string;
}

/** What a rewrite's apply returns: the raw changes, skipped layers and possibly a replacement model. */
export interface RewriteOutcome {
  readonly changes: readonly RawChange[];
  readonly skipped: readonly SkippedLayer[];
  /** A replacement model, for rewrites that build a new copy instead of editing `ctx.model` in place. */
  readonly model?: Model;
}

/** What a rewrite works with. */
export interface RewriteContext {
  /** A private copy of the input model, rewritten in place. */
  readonly model: Model;
  /** Static shapes of the copy before the rewrite (batch 1). */
  readonly shapeOf: StaticShapeOf;
  /** Seeded weights and layer constructors over the copy's graph. */
  readonly make: LayerMaker;
  readonly init: RewriteInit;
  readonly seed: number;
  /** The layers the caller named (undefined: every eligible layer). */
  readonly layers: readonly string[] | undefined;
}

/** A compact rewrite of the registry: name, summary, options, whether it can fit the new weights, and `apply`. */
export interface CompactRewrite<S extends OptionSpecs = OptionSpecs> extends MethodEntry<S> {
  /** Whether init 'fit' is supported. */
  readonly fits: boolean;
  /** Whether a run that changes nothing is an error (true for layer rewrites: nothing was eligible). */
  readonly needsChange: boolean;
  apply(ctx: RewriteContext, opts: OptionValues<S>): RewriteOutcome;
}

/** A compact rewrite whose `apply` sees its options typed from the `options` schema. */
export function defineRewrite<const S extends OptionSpecs>(r: CompactRewrite<S>): CompactRewrite {
  return r as unknown as CompactRewrite;
}
