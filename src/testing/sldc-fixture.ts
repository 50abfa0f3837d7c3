/** A small real Deep Compression container (pruned + k-means shared LeNet-5) for the container's robustness tests. */
import { packWithReport, type PackReport } from '../compress/coding/container.js';
import { magnitudePrune } from '../compress/pruning/unstructured/magnitude.js';
import { kmeansShare } from '../compress/quantization/kmeans/share.js';
import type { Model } from '../ir/graph.js';
import { buildZooModel } from '../zoo/index.js';

/** A packed model and what it was packed from. */
export interface SmallContainer {
  readonly model: Model;
  readonly bytes: Uint8Array;
  readonly report: PackReport;
}

/**
 * LeNet-5 at a quarter width, 90 % pruned, k-means shared (8-bit conv, 5-bit fc codebooks), with one -0.0 weight,
 * packed: about 6.5 KB with two conv layers (8-bit gaps) and two fc layers (4-bit gaps).
 */
export function smallContainer(): SmallContainer {
  const pruned = magnitudePrune(buildZooModel('lenet5', { seed: 3, width: 0.25 }), { sparsity: 0.9 }).model;
  const model = kmeansShare(pruned, { bits: { conv: 8, fc: 5 } }).model;
  const w = model.graph.initializers.get('conv2.weight')?.initializer?.data;
  if (w instanceof Float32Array) w[w.findIndex((x) => x === 0)] = -0;
  const { bytes, report } = packWithReport(model);
  return { model, bytes, report };
}

/** The raw bytes of every initializer of `m`, by name (for bit-exact comparisons). */
export function initializerBytes(m: Model): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [name, v] of m.graph.initializers) {
    const d = v.initializer?.data;
    if (d !== undefined && ArrayBuffer.isView(d)) out.set(name, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  return out;
}

/** Whether two initializer maps hold the same names with the same bytes. */
export function sameInitializers(a: Map<string, Uint8Array>, b: Map<string, Uint8Array>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, x] of a) {
    const y = b.get(name);
    if (y === undefined || y.length !== x.length || y.some((v, i) => v !== x[i])) return false;
  }
  return true;
}
