/** Keeping a subset of positions along tensor axes (the physical removal of pruned channels). */
import { allocData, Tensor } from '../../../ir/tensor.js';

/** Positions 0..n-1 not in `removed`. */
export function keptPositions(n: number, removed: ReadonlySet<number>): Int32Array {
  const out = new Int32Array(n - removed.size);
  let k = 0;
  for (let i = 0; i < n; i++) if (!removed.has(i)) out[k++] = i;
  return out;
}

/** A new tensor keeping, along each axis given in `keep`, only the listed positions (in order). */
export function selectAxes(t: Tensor, keep: ReadonlyMap<number, Int32Array>): Tensor {
  const rank = t.rank;
  const index: Int32Array[] = [];
  for (let a = 0; a < rank; a++) index.push(keep.get(a) ?? Int32Array.from({ length: t.dims[a] as number }, (_, i) => i));
  const dims = index.map((x) => x.length);
  const strides = new Array<number>(rank).fill(1);
  for (let a = rank - 2; a >= 0; a--) strides[a] = (strides[a + 1] as number) * (t.dims[a + 1] as number);
  const size = dims.reduce((p, d) => p * d, 1);
  const src = t.data;
  const dst = allocData(t.dtype, size);
  if (rank === 0) return t.clone();
  const offsets = index.map((x, a) => Int32Array.from(x, (i) => i * (strides[a] as number)));
  const counter = new Array<number>(rank).fill(0);
  const lastOffsets = offsets[rank - 1] as Int32Array;
  const inner = dims[rank - 1] as number;
  for (let o = 0; o < size; o += inner) {
    let base = 0;
    for (let a = 0; a < rank - 1; a++) base += (offsets[a] as Int32Array)[counter[a] as number] as number;
    for (let j = 0; j < inner; j++) (dst as unknown as unknown[])[o + j] = (src as unknown as unknown[])[base + (lastOffsets[j] as number)];
    for (let a = rank - 2; a >= 0; a--) {
      counter[a] = (counter[a] as number) + 1;
      if ((counter[a] as number) < (dims[a] as number)) break;
      counter[a] = 0;
    }
  }
  const out = new Tensor(t.dtype, dims, dst);
  out.storage = t.storage === 'external' ? 'raw' : t.storage;
  return out;
}
