/**
 * Truncated SVD of a fully connected layer (Gemm / MatMul) or of a 1×1 convolution: W (out × in) ≈
 * (U_R √S_R)(√S_R V_Rᵀ), i.e. the layer becomes in → R → out; the bias (Gemm C) stays on the second layer.
 * Exact at R = min(out, in). MACs per output row fall from in·out to R·(in + out).
 */
import { SlimnetError } from '../../../ir/errors.js';
import { matrix, type Matrix } from '../../../util/linalg/matrix.js';
import { svd } from '../../../util/linalg/svd.js';
import type { ConvLayer, LayerInfo } from '../layers.js';
import { convAttrs, f32, pointwise, spectrumOf, truncationError } from './common.js';
import type { Factorization, LowRankMethod, MethodAnalysis, Stage } from './types.js';

function asMatrix(layer: LayerInfo): Matrix {
  if (layer.kind === 'fc') return layer.weight;
  const [n, c] = layer.weight.dims as [number, number];
  return matrix(n, c, layer.weight.data);
}

function isPointwise(layer: ConvLayer): boolean {
  return layer.weight.dims[2] === 1 && layer.weight.dims[3] === 1;
}

export const svdMethod: LowRankMethod = {
  name: 'svd',
  summary: 'truncated SVD of Gemm / MatMul (and 1×1 conv) weights: one layer → two thinner ones',
  options: {},
  applies(layer) {
    if (layer.kind === 'conv' && !isPointwise(layer)) return 'svd factors fully connected layers and 1×1 convs (use jaderberg, cp or tucker2 for k×k)';
    return undefined;
  },
  analyse(layer): MethodAnalysis {
    const w = asMatrix(layer);
    const d = svd(w);
    const out = w.rows;
    const inF = w.cols;
    const perRow = layer.kind === 'fc' ? layer.rows : layer.outSize[0] * layer.outSize[1];
    const bias = layer.node.inputs[2]?.initializer?.size ?? 0;
    return {
      maxRanks: [Math.min(out, inF)],
      spectra: [[spectrumOf(w, d)]],
      cost: ([r = 1]) => ({ macs: perRow * r * (inF + out), params: r * (inF + out) + bias }),
      factorize([r = 1]): Factorization {
        if (r < 1 || r > Math.min(out, inF)) throw new SlimnetError('INVALID_ARGUMENT', `svd rank ${r} is outside [1, ${Math.min(out, inF)}] for '${layer.node.name}'`);
        // first: R × in = √S Vᵀ; second: out × R = U √S.
        const first = new Float64Array(r * inF);
        const second = new Float64Array(out * r);
        for (let k = 0; k < r; k++) {
          const sq = Math.sqrt(d.s[k] as number);
          for (let j = 0; j < inF; j++) first[k * inF + j] = sq * (d.v.data[j * d.v.cols + k] as number);
          for (let i = 0; i < out; i++) second[i * r + k] = sq * (d.u.data[i * d.u.cols + k] as number);
        }
        return { stages: stagesFor(layer, r, first, second), relError: truncationError(d.s, r) };
      },
    };
  },
};

function stagesFor(layer: LayerInfo, r: number, first: Float64Array, second: Float64Array): Stage[] {
  const out = layer.kind === 'fc' ? layer.weight.rows : (layer.weight.dims[0] as number);
  const inF = layer.kind === 'fc' ? layer.weight.cols : (layer.weight.dims[1] as number);
  const node = layer.node;
  if (layer.kind === 'conv') {
    const g = layer.geometry;
    return [
      { op: 'Conv', suffix: 'svd_in', weight: f32([r, inF, 1, 1], first), attrs: convAttrs([1, 1], g.strides, g.pads, g.dilations), bias: false },
      { op: 'Conv', suffix: 'svd_out', weight: f32([out, r, 1, 1], second), attrs: pointwise(), bias: true },
    ];
  }
  if (node.opType === 'Gemm') {
    return [
      { op: 'Gemm', suffix: 'svd_in', weight: f32([r, inF], first), attrs: { transA: node.attrInt('transA', 0), transB: 1, alpha: node.attrFloat('alpha', 1) }, bias: false },
      { op: 'Gemm', suffix: 'svd_out', weight: f32([out, r], second), attrs: { transB: 1, beta: node.attrFloat('beta', 1) }, bias: true },
    ];
  }
  return [
    { op: 'MatMul', suffix: 'svd_in', weight: f32([inF, r], transposeFlat(first, r, inF)), attrs: {}, bias: false },
    { op: 'MatMul', suffix: 'svd_out', weight: f32([r, out], transposeFlat(second, out, r)), attrs: {}, bias: false },
  ];
}

function transposeFlat(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j] as number;
  return t;
}
