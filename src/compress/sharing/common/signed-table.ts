/**
 * Weights generated from a short vector: W[e] = s(e) · v[k(e)] for every element e of the stored weight,
 * with k(e) in [0, K) and a sign s(e) = ±1 (HashedNets buckets, circulant diagonals). Both are stored as one
 * signed index 2·k + (s < 0 ? 1 : 0) into the table [v0, -v0, v1, -v1, ...].
 *
 * In ONNX: W = Gather(Reshape(Mul(v [K, 1], Cast(int8 [1, -1])), [2K]), index). The vector is a float
 * initializer multiplied with a computed value, so train() picks it up as a trainable parameter and the
 * parameter count sees it; the ±1 pair is an int8 constant (neither trained nor counted). Autodiff of Gather
 * sums the gradients of all weights sharing an entry (signs applied by the Mul): the bucket gradient.
 */
import type { GraphBuilder } from '../../../ir/builder.js';
import { dtypeToOnnx } from '../../../ir/dtype.js';
import { SlimnetError } from '../../../ir/errors.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';

/** Signed index of entry k with sign s. */
export function signedIndex(k: number, negative: boolean): number {
  return 2 * k + (negative ? 1 : 0);
}

/** Least-squares fit of the vector to a dense weight: v[k] = mean of s(e)·W[e] over the elements using k. */
export function projectMean(weight: ArrayLike<number>, index: Int32Array, size: number): Float32Array {
  if (weight.length !== index.length) throw new SlimnetError('INVALID_ARGUMENT', `weight has ${weight.length} elements, index ${index.length}`);
  const sum = new Float64Array(size);
  const count = new Float64Array(size);
  for (let e = 0; e < index.length; e++) {
    const s = index[e] as number;
    const k = s >> 1;
    sum[k] = (sum[k] as number) + ((s & 1) === 1 ? -(weight[e] as number) : (weight[e] as number));
    count[k] = (count[k] as number) + 1;
  }
  return Float32Array.from(sum, (v, k) => ((count[k] as number) > 0 ? v / (count[k] as number) : 0));
}

/** The dense weight the vector generates (what onnxruntime computes from the Gather). */
export function materialize(vector: Float32Array, index: Int32Array): Float32Array {
  return Float32Array.from(index, (s) => ((s & 1) === 1 ? -(vector[s >> 1] as number) : (vector[s >> 1] as number)));
}

/** How many elements use each entry (entries used by none get no gradient and may be reported as idle). */
export function entryCounts(index: Int32Array, size: number): Uint32Array {
  const c = new Uint32Array(size);
  for (const s of index) c[s >> 1] = (c[s >> 1] as number) + 1;
  return c;
}

/**
 * Emits W = Gather(table, index) with table = [v0, -v0, v1, -v1, ...]; `vector` is a float32 (or float64) [K, 1] value,
 * `index` an int64 tensor of signed indices shaped like the weight. Node names start with `prefix`.
 */
export function emitSignedGather(b: GraphBuilder, prefix: string, vector: Value, size: number, index: Value, dims: readonly number[]): Value {
  const pair = b.initializer(`${prefix}/sign_pair`, new Tensor('int8', [1, 2], Int8Array.from([1, -1])));
  const dtype = vector.dtype === 'float64' ? 'float64' : 'float32';
  const signs = b.op('Cast', [pair], { to: dtypeToOnnx(dtype) }, { name: `${prefix}/signs` });
  const signed = b.op('Mul', [vector, signs], {}, { name: `${prefix}/signed` });
  const table = b.op('Reshape', [signed, b.constInt64([2 * size], [1], `${prefix}/table_shape`)], {}, { name: `${prefix}/table` });
  const w = b.op('Gather', [table, index], { axis: 0 }, { name: `${prefix}/weight` });
  signs.dtype = dtype;
  signs.shape = [1, 2];
  signed.dtype = dtype;
  signed.shape = [size, 2];
  table.dtype = dtype;
  table.shape = [2 * size];
  w.dtype = dtype;
  w.shape = [...dims];
  return w;
}
