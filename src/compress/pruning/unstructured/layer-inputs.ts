/**
 * Second moments of layer inputs: H = (1/n) Σ x xᵀ over the rows x reaching a fully connected layer,
 * collected by running a copy of the model with each layer's input as an extra graph output.
 */
import type { Split } from '../../../data/types.js';
import { batches } from '../../../data/batches.js';
import { GraphBuilder } from '../../../ir/builder.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { planInput } from '../../../runtime/model-input.js';
import { Session } from '../../../runtime/session.js';
import { Tensor } from '../../../ir/tensor.js';
import { cloneModel } from '../../../train/graph-edit.js';

export interface InputMoments {
  /** Feature dimension d. */
  readonly dim: number;
  /** d×d row-major (1/n) Σ x xᵀ. */
  readonly h: Float64Array;
  /** Rows accumulated. */
  readonly rows: number;
}

export interface MomentOptions {
  /** Samples to run (default 1024). */
  readonly samples?: number;
  /** Inference batch size (default 128). */
  readonly batchSize?: number;
  readonly threads?: number;
}

function accumulate(h: Float64Array, d: number, x: Float32Array): void {
  const rows = x.length / d;
  const nz = new Int32Array(d);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let k = 0;
    for (let i = 0; i < d; i++) if (x[o + i] !== 0) nz[k++] = i;
    for (let a = 0; a < k; a++) {
      const i = nz[a] as number;
      const xi = x[o + i] as number;
      const hi = i * d;
      for (let b = a; b < k; b++) {
        const j = nz[b] as number;
        h[hi + j] = (h[hi + j] as number) + xi * (x[o + j] as number);
      }
    }
  }
}

/** Input moments of the named layer nodes (their input 0), by node name. */
export async function layerInputMoments(model: Model, nodeNames: readonly string[], data: Split, o: MomentOptions = {}): Promise<Map<string, InputMoments>> {
  const m = cloneModel(model);
  const b = new GraphBuilder(m.graph);
  const outs = new Map<string, string>();
  for (const name of nodeNames) {
    const node = m.graph.findNode(name);
    if (node === undefined) throw new SlimnetError('INVALID_ARGUMENT', `no node '${name}' in model '${m.graph.name}'`);
    if (node.opType === 'Gemm' && node.attrInt('transA', 0) !== 0) throw new SlimnetError('INVALID_ARGUMENT', `node '${name}': Gemm with transA is not supported by layer-wise OBS`);
    const tap = b.op('Identity', [node.input(0)], {}, { name: `tap/${name}` });
    tap.dtype = 'float32';
    b.output(tap, m.graph.uniqueName(`tap__${name}`));
    outs.set(name, tap.name);
  }
  const session = await Session.create(m, { threads: o.threads ?? 2 });
  const acc = new Map<string, { dim: number; h: Float64Array; rows: number }>();
  try {
    const plan = planInput(session, data.sampleShape);
    const limit = Math.min(data.count, o.samples ?? 1024);
    let seen = 0;
    for (const bt of batches(data, { batchSize: o.batchSize ?? 128, shuffle: true, seed: 11 })) {
      if (seen >= limit) break;
      const n = Math.min(bt.size, limit - seen);
      const x = bt.x.subarray(0, (bt.x.length / bt.size) * n);
      const res = await session.run({ [plan.name]: new Tensor('float32', plan.dims(n), x) }, [...outs.values()]);
      for (const [name, out] of outs) {
        const t = res[out] as Tensor;
        const d = t.dims[t.rank - 1] as number;
        let a = acc.get(name);
        if (a === undefined) acc.set(name, (a = { dim: d, h: new Float64Array(d * d), rows: 0 }));
        accumulate(a.h, d, t.data as Float32Array);
        a.rows += t.size / d;
      }
      seen += n;
    }
  } finally {
    await session.release();
  }
  const result = new Map<string, InputMoments>();
  for (const [name, a] of acc) {
    const d = a.dim;
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const v = (a.h[i * d + j] as number) / Math.max(1, a.rows);
        a.h[i * d + j] = v;
        a.h[j * d + i] = v;
      }
    }
    result.set(name, a);
  }
  return result;
}
