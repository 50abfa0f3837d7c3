/**
 * Lowers Conv nodes whose weights are computed or fed at run time (training graphs: weights are graph
 * inputs; input gradients: flipped weights) to onnxruntime's blocked-layout convolution
 * (`com.microsoft.nchwc` domain: ReorderInput → Conv → ReorderOutput).
 *
 * onnxruntime applies this layout itself only to Convs with *constant* weights, because it reorders the
 * filter once when the session is created. Here the filter reorder is part of the graph instead: the
 * OIHW weight [M, C, kh, kw] is rearranged into blocks of `blockSize` output × input channels,
 * D[mo, co, y, x, ci, mi] = W[mo·B + mi, co·B + ci, y, x] (Reshape → Transpose → Reshape, cheap next to
 * the convolution). The blocked kernels are several times faster than the per-image im2col + GEMM that a
 * Conv with a non-constant weight otherwise runs, and they use all intra-op threads.
 *
 * Only plain 2-D float32 convs (group 1, explicit or no padding) whose input and output channel counts are
 * multiples of the block size are lowered; everything else is left alone. The block size is the CPU's
 * (onnxruntime's MLAS: 16 with AVX-512, 8 with AVX2); `runtime/nchwc.ts` reads it from onnxruntime's own
 * reordering of a constant filter and checks it against `blockedFilterReference`.
 */
import { GraphBuilder } from '../ir/builder.js';
import type { Model } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { inferValueInfo } from './infer-shapes.js';
import type { PassResult } from './pass.js';

/** onnxruntime's blocked-layout operator domain. */
export const NCHWC_DOMAIN = 'com.microsoft.nchwc';

export interface NchwcOptions {
  /** Channel block size of onnxruntime's NCHWc kernels on this CPU (8 or 16). */
  readonly blockSize: number;
}

/** Rewrites eligible Convs in place (see the module comment); `modified` says whether any was lowered. */
export function lowerConvsToNchwc(model: Model, opts: NchwcOptions): PassResult {
  const info = inferValueInfo(model);
  const dimsOf = (v: Value): readonly number[] | undefined => {
    const shape = info.get(v)?.shape ?? v.shape;
    return shape !== undefined && shape.every((d) => typeof d === 'number') ? (shape as readonly number[]) : undefined;
  };
  const convs = model.graph.nodes.filter((n) => eligible(n, opts.blockSize, dimsOf));
  if (convs.length === 0) return { model, modified: false };
  const b = new GraphBuilder(model.graph);
  const reordered = new Map<Value, Value>();
  const filters = new Map<Value, Value>();
  for (const node of convs) {
    const x = node.input(0);
    const w = node.input(1);
    const wd = dimsOf(w) as readonly number[];
    let xr = reordered.get(x);
    if (xr === undefined) {
      xr = b.op('ReorderInput', [x], {}, { domain: NCHWC_DOMAIN, name: model.graph.uniqueName(`${node.name}/nchwc_in`) });
      reordered.set(x, xr);
    }
    let wr = filters.get(w);
    if (wr === undefined) {
      wr = blockedFilter(b, w, wd, opts.blockSize, node.name);
      filters.set(w, wr);
    }
    const inputs = node.inputs.length > 2 && node.inputs[2] !== undefined ? [xr, wr, node.inputs[2]] : [xr, wr];
    const attrs: Record<string, readonly number[] | number> = {};
    for (const k of ['kernel_shape', 'pads', 'strides', 'dilations'] as const) {
      const a = node.attrInts(k);
      if (a !== undefined) attrs[k] = a;
    }
    const yc = b.op('Conv', inputs, attrs, { domain: NCHWC_DOMAIN, name: model.graph.uniqueName(`${node.name}/nchwc`) });
    const y = b.op('ReorderOutput', [yc], { channels: wd[0] as number }, { domain: NCHWC_DOMAIN, name: model.graph.uniqueName(`${node.name}/nchwc_out`) });
    const old = node.output(0);
    y.dtype = old.dtype;
    if (old.shape !== undefined) y.shape = [...old.shape];
    old.replaceAllUsesWith(y);
    model.graph.removeNode(node);
  }
  model.opsetImports.set(NCHWC_DOMAIN, 1);
  model.graph.sortTopologically();
  return { model, modified: true };
}

function eligible(n: Node, block: number, dimsOf: (v: Value) => readonly number[] | undefined): boolean {
  if (n.opType !== 'Conv' || n.domain !== '' || n.inputs.length < 2) return false;
  const x = n.inputs[0];
  const w = n.inputs[1];
  if (x === undefined || w === undefined || w.initializer !== undefined) return false;
  if (x.dtype !== undefined && x.dtype !== 'float32') return false;
  if (w.dtype !== undefined && w.dtype !== 'float32') return false;
  if (n.attrInt('group', 1) !== 1) return false;
  const pad = n.attributes.get('auto_pad');
  if (pad !== undefined && !(pad.type === 'string' && pad.value === 'NOTSET')) return false;
  const wd = dimsOf(w);
  const xd = dimsOf(x);
  if (wd === undefined || wd.length !== 4 || (xd !== undefined && xd.length !== 4)) return false;
  const [m, c] = wd as [number, number];
  if (m % block !== 0 || c % block !== 0) return false;
  return !n.graph?.outputs.includes(n.output(0));
}

/** OIHW → OIHWBiBo inside the graph (see the module comment). */
function blockedFilter(b: GraphBuilder, w: Value, dims: readonly number[], block: number, name: string): Value {
  const [m, c, kh, kw] = dims as [number, number, number, number];
  const shape = (d: readonly number[], tag: string): Value => b.graph.addInitializer(b.graph.uniqueName(`${name}/nchwc_${tag}`), Tensor.i64([d.length], [...d]));
  const split = b.op('Reshape', [w, shape([m / block, block, c / block, block, kh, kw], 'split')]);
  const perm = b.op('Transpose', [split], { perm: [0, 2, 4, 5, 3, 1] });
  return b.op('Reshape', [perm, shape([m, c, kh, kw], 'merge')]);
}

/**
 * The blocked filter layout computed directly (the reference for the in-graph reorder and for the filter that
 * onnxruntime's own NCHWc transformer writes): D[mo, co, y, x, ci, mi] = W[mo·B + mi, co·B + ci, y, x], with
 * output and input channels padded with zeros to multiples of B. Returns the padded dims [M', C', kh, kw] and
 * the values in blocked order.
 */
export function blockedFilterReference(
  w: ArrayLike<number>, dims: readonly [number, number, number, number], block: number,
): { dims: [number, number, number, number]; data: Float32Array } {
  const [m, c, kh, kw] = dims;
  const mp = Math.ceil(m / block) * block;
  const cp = Math.ceil(c / block) * block;
  const out = new Float32Array(mp * cp * kh * kw);
  let k = 0;
  for (let mo = 0; mo < mp / block; mo++) {
    for (let co = 0; co < cp / block; co++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          for (let ci = 0; ci < block; ci++) {
            for (let mi = 0; mi < block; mi++, k++) {
              const oc = mo * block + mi;
              const ic = co * block + ci;
              if (oc < m && ic < c) out[k] = w[((oc * c + ic) * kh + y) * kw + x] as number;
            }
          }
        }
      }
    }
  }
  return { dims: [mp, cp, kh, kw], data: out };
}
