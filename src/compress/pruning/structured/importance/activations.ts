/**
 * Running a model with intermediate activations as extra outputs, batch by batch (the data-driven
 * criteria's common step). The model is copied; values are found in the copy by name.
 */
import type { Split } from '../../../../data/types.js';
import { sampleSize } from '../../../../data/types.js';
import { SlimnetError } from '../../../../ir/errors.js';
import type { Model } from '../../../../ir/graph.js';
import { Tensor } from '../../../../ir/tensor.js';
import type { Value } from '../../../../ir/value.js';
import { inferShapes } from '../../../../passes/infer-shapes.js';
import { Session } from '../../../../runtime/session.js';

export interface BatchOutputs {
  /** Requested outputs by value name. */
  readonly values: Readonly<Record<string, Tensor>>;
  /** Labels of the batch. */
  readonly labels: Int32Array;
  readonly size: number;
}

/** Feeds the first `samples` samples of `data` in batches and hands each batch's requested outputs to `onBatch`. */
export async function forEachBatch(
  model: Model,
  data: Split,
  opts: { readonly samples: number; readonly batchSize: number; readonly extraFeeds?: (labels: Int32Array) => Record<string, Tensor> },
  names: readonly string[],
  onBatch: (b: BatchOutputs) => void,
): Promise<void> {
  const input = model.graph.inputs.find((v) => v.initializer === undefined);
  if (input === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'the model has no input to feed');
  const session = await Session.create(model);
  try {
    const per = sampleSize(data.sampleShape);
    const total = Math.min(data.count, opts.samples);
    for (let start = 0; start < total; start += opts.batchSize) {
      const n = Math.min(opts.batchSize, total - start);
      const x = new Tensor('float32', [n, ...data.sampleShape], data.images.subarray(start * per, (start + n) * per));
      const labels = data.labels.subarray(start, start + n);
      const values = await session.run({ [input.name]: x, ...(opts.extraFeeds?.(labels) ?? {}) }, names);
      onBatch({ values, labels, size: n });
    }
  } finally {
    await session.release();
  }
}

/** A copy of `model` (shapes inferred) whose outputs are the values of the original named like `values`. */
export function withOutputs(model: Model, values: readonly Value[]): Model {
  const copy = model.clone();
  inferShapes(copy);
  const byName = copy.graph.valuesByName();
  copy.graph.outputs.splice(0, copy.graph.outputs.length);
  for (const v of values) {
    const c = byName.get(v.name);
    if (c === undefined) throw new SlimnetError('INVALID_ARGUMENT', `value '${v.name}' is not in the model copy`);
    if (!copy.graph.outputs.includes(c)) copy.graph.addOutput(c);
  }
  return copy;
}

/**
 * Per channel of a group, a statistic of an activation [N, P, ...spatial]: `f(sample, position)` gets the
 * spatial slice of one sample's position p and returns a number, summed per channel.
 */
export function perPosition(t: Tensor, f: (values: Float32Array, sample: number, position: number) => void): void {
  const data = t.toFloat32();
  const n = t.dims[0] as number;
  const positions = t.dims[1] as number;
  const inner = t.dims.slice(2).reduce((a, d) => a * d, 1);
  for (let s = 0; s < n; s++) {
    for (let p = 0; p < positions; p++) {
      const at = (s * positions + p) * inner;
      f(data.subarray(at, at + inner), s, p);
    }
  }
}
