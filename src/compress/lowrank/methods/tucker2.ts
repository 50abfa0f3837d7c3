/**
 * Tucker-2 decomposition of a conv kernel (Kim et al. 2016): W ≈ G ×₀ U_out ×₁ U_in with a core
 * G [R_out, R_in, k_h, k_w] and orthonormal U_out (N × R_out), U_in (C × R_in), i.e.
 *   1×1 conv C → R_in (U_inᵀ) → k_h×k_w core conv R_in → R_out (original stride / pads) → 1×1 R_out → N (U_out, bias).
 * Initialised by HOSVD (leading left singular vectors of the mode-0 / mode-1 unfoldings), optionally refined
 * by HOOI sweeps (each factor = leading singular vectors of the kernel projected on the other). A factor at
 * full rank (R_out = N or R_in = C) is the identity and its 1×1 conv is left out. Exact at full ranks.
 */
import { SlimnetError } from '../../../ir/errors.js';
import { identity, leadingColumns, relativeError, transpose, type Matrix } from '../../../util/linalg/matrix.js';
import { svd } from '../../../util/linalg/svd.js';
import { modeProduct, unfold, type DenseTensor } from '../../../util/linalg/tensor.js';
import type { ConvLayer, LayerInfo } from '../layers.js';
import { convAttrs, f32, pointwise, spectrumOf } from './common.js';
import type { Factorization, FactorizeOptions, LowRankMethod, MethodAnalysis, Stage } from './types.js';

export const tucker2Method: LowRankMethod = {
  name: 'tucker2',
  summary: 'Tucker-2 (Kim; HOSVD, optional HOOI): 1×1 → core k×k → 1×1',
  options: {},
  applies(layer) {
    if (layer.kind !== 'conv') return 'tucker2 factors convolutions';
    if (layer.weight.dims[2] === 1 && layer.weight.dims[3] === 1) return '1×1 conv (use svd)';
    return undefined;
  },
  analyse(layer: LayerInfo): MethodAnalysis {
    if (layer.kind !== 'conv') throw new SlimnetError('INVALID_ARGUMENT', `tucker2: '${layer.node.name}' is not a conv`);
    return analyseConv(layer);
  },
};

/** Leading `r` left singular vectors of a matrix; the identity when r equals its row count. */
function leading(m: Matrix, r: number): Matrix {
  return r === m.rows ? identity(r) : leadingColumns(svd(m).u, r);
}

function analyseConv(layer: ConvLayer): MethodAnalysis {
  const w = layer.weight;
  const [n, c, kh, kw] = w.dims as [number, number, number, number];
  const [hi, wi] = layer.inSize;
  const [ho, wo] = layer.outSize;
  const bias = layer.node.inputs[2]?.initializer?.size ?? 0;
  const u0 = unfold(w, 0);
  const u1 = unfold(w, 1);
  const svd0 = svd(u0);
  const svd1 = svd(u1);
  const cost = ([ro = 1, ri = 1]: readonly number[]): { macs: number; params: number } => ({
    macs: (ri < c ? c * ri * hi * wi : 0) + ro * ri * kh * kw * ho * wo + (ro < n ? n * ro * ho * wo : 0),
    params: (ri < c ? c * ri : 0) + ro * ri * kh * kw + (ro < n ? n * ro : 0) + bias,
  });
  return {
    maxRanks: [n, c],
    spectra: [[spectrumOf(u0, svd0)], [spectrumOf(u1, svd1)]],
    cost,
    factorize([ro = 1, ri = 1], opts: FactorizeOptions): Factorization {
      for (const [r, full, what] of [[ro, n, 'output'], [ri, c, 'input']] as const) {
        if (!Number.isInteger(r) || r < 1 || r > full) throw new SlimnetError('INVALID_ARGUMENT', `tucker2 ${what} rank ${r} is outside [1, ${full}] for '${layer.node.name}'`);
      }
      let uOut = ro === n ? identity(n) : leadingColumns(svd0.u, ro);
      let uIn = ri === c ? identity(c) : leadingColumns(svd1.u, ri);
      for (let it = 0; it < (opts.hooiIterations ?? 0); it++) {
        uOut = leading(unfold(modeProduct(w, 1, transpose(uIn)), 0), ro);
        uIn = leading(unfold(modeProduct(w, 0, transpose(uOut)), 1), ri);
      }
      const core = modeProduct(modeProduct(w, 0, transpose(uOut)), 1, transpose(uIn));
      const approx = modeProduct(modeProduct(core, 0, uOut), 1, uIn);
      return { stages: stages(layer, core, uOut, uIn), relError: relativeError(approx.data, w.data) };
    },
  };
}

function stages(layer: ConvLayer, core: DenseTensor, uOut: Matrix, uIn: Matrix): Stage[] {
  const [n, c, kh, kw] = layer.weight.dims as [number, number, number, number];
  const [ro, ri] = core.dims as [number, number];
  const g = layer.geometry;
  const out: Stage[] = [];
  if (ri < c) out.push({ op: 'Conv', suffix: 'tucker_in', weight: f32([ri, c, 1, 1], transpose(uIn).data), attrs: pointwise(), bias: false });
  out.push({ op: 'Conv', suffix: 'tucker_core', weight: f32([ro, ri, kh, kw], core.data), attrs: convAttrs([kh, kw], g.strides, g.pads, g.dilations), bias: ro === n });
  if (ro < n) out.push({ op: 'Conv', suffix: 'tucker_out', weight: f32([n, ro, 1, 1], uOut.data), attrs: pointwise(), bias: true });
  return out;
}
