/**
 * CP decomposition of a conv kernel (Lebedev et al. 2015): W[n, c, y, x] ≈ Σ_r A[n, r] B[c, r] Y[y, r] X[x, r],
 * computed by ALS (util/linalg/cp.ts), becomes four convolutions:
 *   1×1 C → R (B) → k_h×1 depthwise (Y) → 1×k_w depthwise (X) → 1×1 R → N (A, with the bias).
 * The CP weights λ are spread evenly (λ^¼) over the four factors. CP has no closed form and no exact
 * "full" rank; a random kernel of CP rank R is recovered by ALS to its tolerance.
 */
import { SlimnetError } from '../../../ir/errors.js';
import { cpAls } from '../../../util/linalg/cp.js';
import type { Matrix } from '../../../util/linalg/matrix.js';
import { svd } from '../../../util/linalg/svd.js';
import { unfold } from '../../../util/linalg/tensor.js';
import type { ConvLayer, LayerInfo } from '../layers.js';
import { convAttrs, f32, pointwise, spectrumOf, splitGeometry } from './common.js';
import type { Factorization, FactorizeOptions, LowRankMethod, MethodAnalysis } from './types.js';

export const cpMethod: LowRankMethod = {
  name: 'cp',
  summary: 'CP decomposition by ALS (Lebedev): 1×1 → k×1 depthwise → 1×k depthwise → 1×1',
  options: {},
  applies(layer) {
    if (layer.kind !== 'conv') return 'cp factors convolutions';
    if (layer.weight.dims[2] === 1 && layer.weight.dims[3] === 1) return '1×1 conv (use svd)';
    return undefined;
  },
  analyse(layer: LayerInfo): MethodAnalysis {
    if (layer.kind !== 'conv') throw new SlimnetError('INVALID_ARGUMENT', `cp: '${layer.node.name}' is not a conv`);
    return analyseConv(layer);
  },
};

function analyseConv(layer: ConvLayer): MethodAnalysis {
  const [n, c, kh, kw] = layer.weight.dims as [number, number, number, number];
  const [hi, wi] = layer.inSize;
  const [ho, wo] = layer.outSize;
  const bias = layer.node.inputs[2]?.initializer?.size ?? 0;
  const u0 = unfold(layer.weight, 0);
  const u1 = unfold(layer.weight, 1);
  return {
    maxRanks: [Math.max(n, c)],
    rankLimits: [(n * c * kh * kw) / Math.max(n, c, kh, kw)],
    spectra: [[spectrumOf(u0, svd(u0)), spectrumOf(u1, svd(u1))]],
    cost: ([r = 1]) => ({
      macs: c * r * hi * wi + r * kh * ho * wi + r * kw * ho * wo + n * r * ho * wo,
      params: r * (c + kh + kw + n) + bias,
    }),
    factorize([r = 1], opts: FactorizeOptions): Factorization {
      if (!Number.isInteger(r) || r < 1) throw new SlimnetError('INVALID_ARGUMENT', `cp rank must be a positive integer, got ${r} for '${layer.node.name}'`);
      const res = cpAls(layer.weight, r, opts.cp ?? {});
      const [a, b, y, x] = res.factors as [Matrix, Matrix, Matrix, Matrix];
      const scale = Array.from(res.weights, (l) => Math.pow(Math.abs(l), 0.25));
      const col = (f: Matrix, i: number, k: number, sign = 1): number => sign * (scale[k] as number) * (f.data[i * r + k] as number);
      const sign = (k: number): number => ((res.weights[k] as number) < 0 ? -1 : 1);
      const first = new Float64Array(r * c);
      const vertical = new Float64Array(r * kh);
      const horizontal = new Float64Array(r * kw);
      const last = new Float64Array(n * r);
      for (let k = 0; k < r; k++) {
        for (let i = 0; i < c; i++) first[k * c + i] = col(b, i, k);
        for (let i = 0; i < kh; i++) vertical[k * kh + i] = col(y, i, k);
        for (let i = 0; i < kw; i++) horizontal[k * kw + i] = col(x, i, k);
        for (let i = 0; i < n; i++) last[i * r + k] = col(a, i, k, sign(k));
      }
      const g = splitGeometry(layer.geometry);
      return {
        stages: [
          { op: 'Conv', suffix: 'cp_in', weight: f32([r, c, 1, 1], first), attrs: pointwise(), bias: false },
          { op: 'Conv', suffix: 'cp_vertical', weight: f32([r, 1, kh, 1], vertical), attrs: convAttrs([kh, 1], g.vertical.strides, g.vertical.pads, g.vertical.dilations, r), bias: false },
          { op: 'Conv', suffix: 'cp_horizontal', weight: f32([r, 1, 1, kw], horizontal), attrs: convAttrs([1, kw], g.horizontal.strides, g.horizontal.pads, g.horizontal.dilations, r), bias: false },
          { op: 'Conv', suffix: 'cp_out', weight: f32([n, r, 1, 1], last), attrs: pointwise(), bias: true },
        ],
        relError: res.relError,
      };
    },
  };
}
