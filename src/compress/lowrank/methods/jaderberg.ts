/**
 * Jaderberg et al. (2014) spatially separable filters, with the closed-form "scheme 2" solution of Tai et
 * al. (2016): a k_h×k_w conv C → N becomes a k_h×1 conv C → R followed by a 1×k_w conv R → N. Arranging
 * the kernel as the (C·k_h) × (N·k_w) matrix M[(c, y), (n, x)] = W[n, c, y, x], the best such pair (in the
 * Frobenius norm of the kernel) is the rank-R truncated SVD M ≈ (U√S)(√S Vᵀ): vertical filters
 * V[r, c, y] = (U√S)[(c, y), r], horizontal filters H[n, r, x] = (√S Vᵀ)[r, (n, x)]. Exact at
 * R = min(C·k_h, N·k_w). Vertical stride / padding / dilation go to the first conv, horizontal to the second.
 */
import { SlimnetError } from '../../../ir/errors.js';
import { matrix } from '../../../util/linalg/matrix.js';
import { svd } from '../../../util/linalg/svd.js';
import type { ConvLayer, LayerInfo } from '../layers.js';
import { convAttrs, f32, spectrumOf, splitGeometry, truncationError } from './common.js';
import type { Factorization, LowRankMethod, MethodAnalysis } from './types.js';

export const jaderbergMethod: LowRankMethod = {
  name: 'jaderberg',
  summary: 'spatially separable filters (Jaderberg scheme 2, closed form): k×k conv → k×1 conv (R filters) → 1×k conv',
  options: {},
  applies(layer) {
    if (layer.kind !== 'conv') return 'jaderberg factors k×k convolutions';
    if ((layer.weight.dims[2] as number) < 2 || (layer.weight.dims[3] as number) < 2) return `kernel ${layer.weight.dims[2]}×${layer.weight.dims[3]} is not spatially 2-D`;
    return undefined;
  },
  analyse(layer: LayerInfo): MethodAnalysis {
    if (layer.kind !== 'conv') throw new SlimnetError('INVALID_ARGUMENT', `jaderberg: '${layer.node.name}' is not a conv`);
    return analyseConv(layer);
  },
};

function analyseConv(layer: ConvLayer): MethodAnalysis {
  const [n, c, kh, kw] = layer.weight.dims as [number, number, number, number];
  const w = layer.weight.data;
  const m = matrix(c * kh, n * kw);
  for (let o = 0; o < n; o++) {
    for (let i = 0; i < c; i++) {
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) m.data[(i * kh + y) * m.cols + o * kw + x] = w[((o * c + i) * kh + y) * kw + x] as number;
    }
  }
  const d = svd(m);
  const [ho, wo] = layer.outSize;
  const winIn = layer.inSize[1];
  const bias = layer.node.inputs[2]?.initializer?.size ?? 0;
  const full = Math.min(c * kh, n * kw);
  return {
    maxRanks: [full],
    spectra: [[spectrumOf(m, d)]],
    cost: ([r = 1]) => ({ macs: r * c * kh * ho * winIn + n * r * kw * ho * wo, params: r * c * kh + n * r * kw + bias }),
    factorize([r = 1]): Factorization {
      if (r < 1 || r > full) throw new SlimnetError('INVALID_ARGUMENT', `jaderberg rank ${r} is outside [1, ${full}] for '${layer.node.name}'`);
      const vertical = new Float64Array(r * c * kh);
      const horizontal = new Float64Array(n * r * kw);
      for (let k = 0; k < r; k++) {
        const sq = Math.sqrt(d.s[k] as number);
        for (let row = 0; row < c * kh; row++) vertical[k * c * kh + row] = sq * (d.u.data[row * d.u.cols + k] as number);
        for (let o = 0; o < n; o++) for (let x = 0; x < kw; x++) horizontal[(o * r + k) * kw + x] = sq * (d.v.data[(o * kw + x) * d.v.cols + k] as number);
      }
      const g = splitGeometry(layer.geometry);
      return {
        stages: [
          { op: 'Conv', suffix: 'vertical', weight: f32([r, c, kh, 1], vertical), attrs: convAttrs([kh, 1], g.vertical.strides, g.vertical.pads, g.vertical.dilations), bias: false },
          { op: 'Conv', suffix: 'horizontal', weight: f32([n, r, 1, kw], horizontal), attrs: convAttrs([1, kw], g.horizontal.strides, g.horizontal.pads, g.horizontal.dilations), bias: true },
        ],
        relError: truncationError(d.s, r),
      };
    },
  };
}
