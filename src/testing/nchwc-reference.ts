/**
 * A reference interpreter for graphs lowered to onnxruntime's NCHWc layout, for any block size on any machine
 * (onnxruntime only runs its own CPU's block). It evaluates float graphs of Conv, Relu, Add, Reshape, Transpose
 * and the `com.microsoft.nchwc` ReorderInput / Conv / ReorderOutput, reading blocked tensors by MLAS's layout:
 * activations [N, C/B, H, W, B], filters [M/B, C/B, kh, kw, B(in), B(out)]. Tests only.
 */
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Value } from '../ir/value.js';
import { NCHWC_DOMAIN } from '../passes/nchwc-conv.js';

/** A dense float64 tensor (row-major; blocked tensors keep their logical NCHW dims). */
export interface RefTensor {
  readonly dims: readonly number[];
  readonly data: Float64Array;
}

interface ConvGeometry {
  readonly kh: number;
  readonly kw: number;
  readonly pads: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
}

function geometry(node: Node, kh: number, kw: number): ConvGeometry {
  return {
    kh, kw,
    pads: node.attrInts('pads') ?? [0, 0, 0, 0],
    strides: node.attrInts('strides') ?? [1, 1],
    dilations: node.attrInts('dilations') ?? [1, 1],
  };
}

type Reader = (n: number, c: number, y: number, x: number) => number;

/** out[n, m, oy, ox] = bias[m] + Σ x(n, c, iy, ix) · w(m, c, ky, kx), written through `write`. */
function conv(
  xd: readonly number[], m: number, g: ConvGeometry, x: Reader, w: Reader, bias: Float64Array | undefined,
  write: (n: number, m: number, oy: number, ox: number, v: number) => void,
): number[] {
  const [n, c, h, wd] = xd as [number, number, number, number];
  const [pt, pl, pb, pr] = g.pads as [number, number, number, number];
  const [sy, sx] = g.strides as [number, number];
  const [dy, dx] = g.dilations as [number, number];
  const oh = Math.floor((h + pt + pb - dy * (g.kh - 1) - 1) / sy) + 1;
  const ow = Math.floor((wd + pl + pr - dx * (g.kw - 1) - 1) / sx) + 1;
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < m; o++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let s = bias?.[o] ?? 0;
          for (let ci = 0; ci < c; ci++) {
            for (let ky = 0; ky < g.kh; ky++) {
              const iy = oy * sy - pt + ky * dy;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < g.kw; kx++) {
                const ix = ox * sx - pl + kx * dx;
                if (ix >= 0 && ix < wd) s += x(b, ci, iy, ix) * w(o, ci, ky, kx);
              }
            }
          }
          write(b, o, oy, ox, s);
        }
      }
    }
  }
  return [n, m, oh, ow];
}

/** Offset of element (n, c, y, x) of a [N, C, H, W] tensor stored blocked as [N, C/B, H, W, B]. */
function blockedOffset(dims: readonly number[], block: number, n: number, c: number, y: number, x: number): number {
  const [, cc, h, w] = dims as [number, number, number, number];
  return (((n * (cc / block) + Math.floor(c / block)) * h + y) * w + x) * block + (c % block);
}

function plainOffset(dims: readonly number[], n: number, c: number, y: number, x: number): number {
  const [, cc, h, w] = dims as [number, number, number, number];
  return ((n * cc + c) * h + y) * w + x;
}

function transpose(t: RefTensor, perm: readonly number[]): RefTensor {
  const dims = perm.map((p) => t.dims[p] as number);
  const inStrides = t.dims.map((_, i) => t.dims.slice(i + 1).reduce((a, d) => a * d, 1));
  const out = new Float64Array(t.data.length);
  const idx = new Array<number>(dims.length).fill(0);
  for (let k = 0; k < out.length; k++) {
    let src = 0;
    for (let i = 0; i < dims.length; i++) src += (idx[i] as number) * (inStrides[perm[i] as number] as number);
    out[k] = t.data[src] as number;
    for (let i = dims.length - 1; i >= 0; i--) {
      idx[i] = (idx[i] as number) + 1;
      if ((idx[i] as number) < (dims[i] as number)) break;
      idx[i] = 0;
    }
  }
  return { dims, data: out };
}

function convNode(node: Node, ins: RefTensor[], block: number | undefined): RefTensor {
  const [x, w, bias] = ins as [RefTensor, RefTensor, RefTensor | undefined];
  const [m, , kh, kw] = w.dims as [number, number, number, number];
  const g = geometry(node, kh, kw);
  const read: Reader = block === undefined
    ? (n, c, y, xx) => x.data[plainOffset(x.dims, n, c, y, xx)] as number
    : (n, c, y, xx) => x.data[blockedOffset(x.dims, block, n, c, y, xx)] as number;
  const cc = w.dims[1] as number;
  const weight: Reader = block === undefined
    ? (o, c, ky, kx) => w.data[((o * cc + c) * kh + ky) * kw + kx] as number
    : (o, c, ky, kx) => {
      const tile = ((Math.floor(o / block) * (cc / block) + Math.floor(c / block)) * kh + ky) * kw + kx;
      return w.data[(tile * block + (c % block)) * block + (o % block)] as number;
    };
  const outDims = [x.dims[0] as number, m, 0, 0];
  const writes: Array<[number, number, number, number, number]> = [];
  const dims = conv(x.dims, m, g, read, weight, bias?.data, (n, o, oy, ox, v) => writes.push([n, o, oy, ox, v]));
  outDims[2] = dims[2] as number;
  outDims[3] = dims[3] as number;
  const out = new Float64Array(outDims.reduce((a, d) => a * d, 1));
  for (const [n, o, oy, ox, v] of writes) {
    out[block === undefined ? plainOffset(outDims, n, o, oy, ox) : blockedOffset(outDims, block, n, o, oy, ox)] = v;
  }
  return { dims: outDims, data: out };
}

function reorder(t: RefTensor, block: number, toBlocked: boolean): RefTensor {
  const [n, c, h, w] = t.dims as [number, number, number, number];
  const out = new Float64Array(t.data.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const p = plainOffset(t.dims, b, ch, y, x);
          const q = blockedOffset(t.dims, block, b, ch, y, x);
          out[toBlocked ? q : p] = t.data[toBlocked ? p : q] as number;
        }
      }
    }
  }
  return { dims: t.dims, data: out };
}

function evalNode(node: Node, ins: RefTensor[], block: number): RefTensor {
  const a = ins[0] as RefTensor;
  const nchwc = node.domain === NCHWC_DOMAIN;
  switch (nchwc ? `nchwc.${node.opType}` : node.opType) {
    case 'Conv': return convNode(node, ins, undefined);
    case 'nchwc.Conv': return convNode(node, ins, block);
    case 'nchwc.ReorderInput': return reorder(a, block, true);
    case 'nchwc.ReorderOutput': return reorder(a, block, false);
    case 'Relu': return { dims: a.dims, data: a.data.map((v) => Math.max(0, v)) };
    case 'Add': return { dims: a.dims, data: a.data.map((v, i) => v + ((ins[1] as RefTensor).data[i] as number)) };
    case 'Reshape': return { dims: [...(ins[1] as RefTensor).data], data: a.data };
    case 'Transpose': return transpose(a, node.attrInts('perm') ?? []);
    default: throw new SlimnetError('UNSUPPORTED_OP', `nchwc reference: no rule for ${node.domain}:${node.opType}`);
  }
}

/** Evaluates the model's first output with `block` as the NCHWc block size. */
export function evaluateReference(model: Model, feeds: Readonly<Record<string, RefTensor>>, block: number): RefTensor {
  const env = new Map<Value, RefTensor>();
  for (const v of model.graph.inputs) {
    const t = feeds[v.name];
    if (t !== undefined) env.set(v, t);
  }
  for (const [, v] of model.graph.initializers) {
    const t = v.initializer;
    if (t !== undefined) env.set(v, { dims: t.dims, data: Float64Array.from(toNumbers(t)) });
  }
  for (const node of model.graph.nodes) {
    const ins = node.inputs.filter((v): v is Value => v !== undefined).map((v) => {
      const t = env.get(v);
      if (t === undefined) throw new SlimnetError('INVALID_ARGUMENT', `nchwc reference: '${v.name}' has no value`);
      return t;
    });
    env.set(node.output(0), evalNode(node, ins, block));
  }
  const out = env.get(model.graph.outputs[0] as Value);
  if (out === undefined) throw new SlimnetError('INVALID_ARGUMENT', 'nchwc reference: the output was not computed');
  return out;
}

function toNumbers(t: { readonly dtype: string; toFloat32(): Float32Array; readonly data: unknown }): number[] {
  if (t.dtype === 'int64') return Array.from(t.data as BigInt64Array, (v) => Number(v));
  return Array.from(t.toFloat32());
}
