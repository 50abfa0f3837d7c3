/** Small model builders and input generators for gradient tests (used with `gradcheck`). */
import { GraphBuilder } from '../ir/builder.js';
import type { DType } from '../ir/dtype.js';
import type { Model } from '../ir/graph.js';
import type { Shape } from '../ir/shape.js';
import { setNumber, Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { Session } from '../runtime/session.js';
import { Rng } from '../util/rng.js';

export interface InputSpec {
  readonly name: string;
  /** Symbolic dims (e.g. 'N') need the value given to gradcheck's `inputs`. */
  readonly shape: Shape;
  /** Defaults to the model's dtype argument. */
  readonly dtype?: DType;
}

/**
 * A model whose inputs are `inputs` (graph inputs, so gradcheck can perturb them) and whose outputs are
 * what `body` returns.
 */
export function buildModel(
  inputs: readonly InputSpec[],
  body: (b: GraphBuilder, xs: Value[]) => Value | readonly Value[],
  opts: { readonly opset?: number; readonly dtype?: DType } = {},
): Model {
  const b = new GraphBuilder('gradtest');
  const xs = inputs.map((s) => b.input(s.name, s.dtype ?? opts.dtype ?? 'float64', s.shape));
  const out = body(b, xs);
  const outs: readonly Value[] = Array.isArray(out) ? out : [out as Value];
  outs.forEach((o, i) => b.output(o, `out${i}`));
  return b.build(opts.opset ?? 17);
}

/** A single-op model: op(inputs..., extra constant inputs) with attributes. */
export function opModel(
  opType: string,
  inputs: readonly InputSpec[],
  attrs: Readonly<Record<string, number | string | readonly number[]>> = {},
  opts: { readonly opset?: number; readonly dtype?: DType; readonly extra?: (b: GraphBuilder) => ReadonlyArray<Value | undefined>; readonly outputs?: number } = {},
): Model {
  return buildModel(inputs, (b, xs) => {
    const ins = [...xs, ...(opts.extra?.(b) ?? [])];
    return b.opN(opType, ins, opts.outputs ?? 1, attrs);
  }, opts);
}

/** Seeded uniform values in [lo, hi). */
export function uniform(dims: readonly number[], lo: number, hi: number, seed = 7, dtype: DType = 'float64'): Tensor {
  const rng = new Rng(seed);
  const t = new Tensor(dtype, dims);
  for (let i = 0; i < t.size; i++) setNumber(t, i, rng.uniform(lo, hi));
  return t;
}

/**
 * Seeded normal values kept at least `margin` away from each of `kinks` (points where the op is not
 * differentiable), so central differences never straddle one.
 */
export function awayFrom(dims: readonly number[], kinks: readonly number[], margin = 0.1, seed = 7, dtype: DType = 'float64', scale = 1): Tensor {
  const rng = new Rng(seed);
  const t = new Tensor(dtype, dims);
  for (let i = 0; i < t.size; i++) {
    let v = rng.normal() * scale;
    while (kinks.some((k) => Math.abs(v - k) < margin)) v = rng.normal() * scale;
    setNumber(t, i, v);
  }
  return t;
}

/** Runs a model once (single-threaded session) and returns every output. */
export async function evaluate(model: Model, feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
  const session = await Session.create(model, { threads: 1 });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}
