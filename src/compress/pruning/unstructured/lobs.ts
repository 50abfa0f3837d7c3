/**
 * Layer-wise Optimal Brain Surgeon (Dong et al. 2017) for fully connected layers (Gemm / MatMul).
 * For a layer y = W x the layer-wise error of a weight change δw of output row r is ½ δwᵀ H δw with
 * H = (1/n) Σ x xᵀ over the layer's inputs (shared by all rows). Removing weight q of a row costs
 * L_q = w_q² / (2 [H⁻¹]_qq) and is compensated by δw = −(w_q / [H⁻¹]_qq) H⁻¹ e_q on that row.
 *
 * Approximations (documented): H⁻¹ is the damped inverse of the full H (λ = damping × mean diag) and is not
 * downdated per row as weights leave; removal proceeds in `steps` batches (the cheapest weights of the layer
 * each step, saliencies recomputed between steps), the OBS update of each removed weight is applied in turn
 * and the row's removed entries are re-zeroed at the end of the step. Conv layers are not handled by OBS:
 * they fall back to magnitude pruning at their target sparsity (`convFallback`).
 */
import type { Split } from '../../../data/types.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { cloneModel } from '../../../train/graph-edit.js';
import { perLayer, prunableWeights, type PrunableOptions, type PrunableWeight } from '../common/prunable.js';
import { applyMasks, sparsityStats, type Masks } from '../common/sparsity.js';
import { layerInputMoments, type MomentOptions } from './layer-inputs.js';
import { dampedInverse } from '../../../util/linalg/cholesky.js';
import { magnitudeMasks } from './magnitude.js';
import { checkSparsity, kthSmallest } from './select.js';
import type { PruneResult, SparsityTarget } from './types.js';

export interface LobsOptions extends PrunableOptions, MomentOptions {
  /** Target sparsity per layer (uniform or per layer; L-OBS is layer-wise). */
  readonly sparsity: SparsityTarget;
  /** Relative damping of H before inversion (default 1e-2). */
  readonly damping?: number;
  /** Removal batches per layer (default 8; more is closer to one-at-a-time OBS and slower). */
  readonly steps?: number;
}

/** Layout of an FC weight: row r (output unit), column q (input feature). */
export interface FcLayout {
  readonly out: number;
  readonly in: number;
  /** True when stored [in, out] (MatMul, Gemm transB = 0). */
  readonly transposed: boolean;
}

export function fcLayout(w: PrunableWeight): FcLayout {
  const [a, c] = (w.value.initializer ?? w.tensor).dims as [number, number];
  const transposed = !(w.node.opType === 'Gemm' && w.node.attrInt('transB', 0) === 1);
  return transposed ? { out: c, in: a, transposed } : { out: a, in: c, transposed };
}

/**
 * OBS-prunes `count` more weights of one FC weight tensor `w` (in place) with inverse Hessian `hinv`
 * (in×in); entries already zero count as removed. Returns the 0/1 mask.
 */
export function obsPruneLayer(w: Float32Array, layout: FcLayout, hinv: Float64Array, count: number, steps = 8): Float32Array {
  const { out, in: d, transposed } = layout;
  const at = (r: number, q: number): number => (transposed ? q * out + r : r * d + q);
  const mask = Float32Array.from(w, (x) => (x === 0 ? 0 : 1));
  const start = mask.length - mask.reduce((a, x) => a + x, 0);
  const target = Math.min(mask.length, start + count);
  const sal = new Float64Array(w.length);
  const row = new Float64Array(d);
  for (let s = 1; s <= steps; s++) {
    const removed = mask.length - mask.reduce((a, x) => a + x, 0);
    const want = Math.round(start + ((target - start) * s) / steps) - removed;
    if (want <= 0) continue;
    for (let r = 0; r < out; r++) {
      for (let q = 0; q < d; q++) {
        const i = at(r, q);
        sal[i] = mask[i] === 0 ? Infinity : (w[i] as number) ** 2 / (2 * (hinv[q * d + q] as number));
      }
    }
    const t = kthSmallest(sal, want);
    const pick = new Uint8Array(w.length);
    let left = want;
    for (let i = 0; i < w.length; i++) if ((sal[i] as number) < t) { pick[i] = 1; left--; }
    for (let i = 0; i < w.length && left > 0; i++) if (sal[i] === t) { pick[i] = 1; left--; }
    for (let r = 0; r < out; r++) {
      let touched = false;
      for (let q = 0; q < d; q++) row[q] = w[at(r, q)] as number;
      for (let q = 0; q < d; q++) {
        const i = at(r, q);
        if (pick[i] === 0) continue;
        const f = (row[q] as number) / (hinv[q * d + q] as number);
        for (let j = 0; j < d; j++) row[j] = (row[j] as number) - f * (hinv[j * d + q] as number);
        mask[i] = 0;
        touched = true;
      }
      if (!touched) continue;
      for (let q = 0; q < d; q++) {
        const i = at(r, q);
        w[i] = mask[i] === 0 ? 0 : (row[q] as number);
      }
    }
  }
  return mask;
}

/** Layer-wise OBS on a copy of `model`; layer inputs are measured on `data` (usually training samples). */
export async function lobsPrune(model: Model, data: Split, o: LobsOptions): Promise<PruneResult> {
  const m = cloneModel(model);
  const weights = prunableWeights(m, o).filter((w) => w.role === 'weight');
  const target = (w: PrunableWeight): number | undefined => {
    const s = typeof o.sparsity === 'number' ? o.sparsity : perLayer(o.sparsity, w);
    return s === undefined ? undefined : checkSparsity(s, w.name);
  };
  const fc = weights.filter((w) => w.kind === 'fc' && w.tensor.rank === 2 && target(w) !== undefined);
  const moments = await layerInputMoments(m, fc.map((w) => w.node.name), data, o);
  const masks: Masks = {};
  for (const w of fc) {
    const mo = moments.get(w.node.name);
    const layout = fcLayout(w);
    if (mo === undefined || mo.dim !== layout.in) {
      throw new SlimnetError('SHAPE_MISMATCH', `L-OBS: layer '${w.node.name}' input has ${mo?.dim ?? '?'} features, weight '${w.name}' expects ${layout.in}`);
    }
    const hinv = dampedInverse(mo.h, mo.dim, o.damping ?? 1e-2);
    const d = w.tensor.data as Float32Array;
    const zeros = d.reduce((a, x) => a + (x === 0 ? 1 : 0), 0);
    masks[w.name] = obsPruneLayer(d, layout, hinv, Math.round((target(w) as number) * d.length) - zeros, o.steps ?? 8);
  }
  const rest = weights.filter((w) => !fc.includes(w) && target(w) !== undefined);
  Object.assign(masks, magnitudeMasks(rest, { sparsity: o.sparsity }));
  applyMasks(m, masks);
  return { model: m, masks, stats: sparsityStats(m, o) };
}
