/**
 * Layer-wise Optimal Brain Surgeon (Dong et al. 2017) for Gemm / MatMul and Conv layers. For a layer
 * y = W x (x: an input vector, or an im2col patch for a conv) the layer-wise error of a change δw of one
 * output row is ½ δwᵀ H δw with H = (1/n) Σ x xᵀ (layer-inputs.ts; shared by all rows, one per conv group).
 * Removing weight q costs L_q = w_q² / (2 [H⁻¹]_qq) and is compensated by δw = −(w_q / [H⁻¹]_qq) H⁻¹ e_q.
 *
 * Procedure per layer: removal proceeds in `steps` batches (the cheapest weights of the layer each step,
 * with the single-weight OBS update applied in turn, saliencies recomputed between steps; H⁻¹ is the damped
 * inverse of the full H and is not downdated, an approximation). Once the layer's mask is final, each row
 * gets the exact multi-weight OBS update from its original weights w⁰: with kept set R and removed set S,
 * w_R = w⁰_R + H_RR⁻¹ H_RS w⁰_S (the minimiser of δwᵀHδw with w_S = 0), w_S = 0.
 * A uniform target with scope 'global' is split into per-layer sparsities by one global magnitude threshold
 * (on |w|, or on |w| / std(layer) with normalizeByStd); ConvTranspose layers use magnitude.
 */
import type { Split } from '../../../data/types.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import { perLayer, prunableWeights, type PrunableOptions, type PrunableWeight } from '../common/prunable.js';
import { applyMasks, sparsityStats, type Masks } from '../common/sparsity.js';
import { dampedInverse, solveSpd } from '../../../util/linalg/cholesky.js';
import { layerInputMoments, type MomentOptions } from './layer-inputs.js';
import { magnitudeMasks } from './magnitude.js';
import { checkSparsity, kthSmallest } from './select.js';
import type { PruneResult, SparsityTarget } from './types.js';

/** Options of `lobsPrune`: sparsity, scope, damping of the input Hessian and removal batches per layer. */
export interface LobsOptions extends PrunableOptions, MomentOptions {
  /** Target sparsity (uniform or per layer). */
  readonly sparsity: SparsityTarget;
  /** 'layer' (default): every layer at the target; 'global': per-layer targets from one magnitude threshold. */
  readonly scope?: 'layer' | 'global';
  /** Global scope: the threshold compares |w| / std(layer) (default false: |w|). */
  readonly normalizeByStd?: boolean;
  /** Relative damping of H (default 1e-2 × mean diagonal). */
  readonly damping?: number;
  /** Removal batches per layer (default 8; more is closer to one-at-a-time OBS and slower). */
  readonly steps?: number;
}

/** Layout of a layer weight as rows (output units / filters) × inputs (features / patch entries). */
export interface FcLayout {
  readonly out: number;
  readonly in: number;
  /** True when stored [in, out] (MatMul, Gemm transB = 0). */
  readonly transposed: boolean;
}

/** The out × in layout of a weight matrix (conv filters flattened), and whether it is stored transposed. */
export function fcLayout(w: PrunableWeight): FcLayout {
  const dims = (w.value.initializer ?? w.tensor).dims;
  if (dims.length !== 2) return { out: dims[0] as number, in: dims.slice(1).reduce((a, b) => a * b, 1), transposed: false };
  const [a, c] = dims as [number, number];
  const transposed = !(w.node.opType === 'Gemm' && w.node.attrInt('transB', 0) === 1);
  return transposed ? { out: c, in: a, transposed } : { out: a, in: c, transposed };
}

/**
 * OBS-prunes `count` more weights of one weight tensor `w` (in place) with inverse Hessian `hinv`
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

/**
 * The exact multi-weight OBS update: every row of `w` becomes the minimiser of (w − w⁰)ᵀ H (w − w⁰)
 * with its masked entries zero (`h` already damped). With kept set R and removed set S (earlier zeros
 * included) that is w_R = w⁰_R + H_RR⁻¹ H_RS w⁰_S, or equivalently, from the inverse `hinv` = H⁻¹,
 * w = w⁰ − H⁻¹[:, S] (H⁻¹[S, S])⁻¹ w⁰_S; each row solves the smaller of the two systems (the second form needs
 * `hinv`). Rows whose removed entries were all zero in w⁰ keep w⁰.
 */
export function obsReconstruct(w: Float32Array, w0: Float32Array, mask: Float32Array, layout: FcLayout, h: Float64Array, hinv?: Float64Array): void {
  const { out, in: d, transposed } = layout;
  const at = (r: number, q: number): number => (transposed ? q * out + r : r * d + q);
  for (let r = 0; r < out; r++) {
    const keep: number[] = [];
    const gone: number[] = [];
    for (let q = 0; q < d; q++) (mask[at(r, q)] === 0 ? gone : keep).push(q);
    for (const q of gone) w[at(r, q)] = 0;
    if (keep.length === 0 || gone.every((q) => w0[at(r, q)] === 0)) {
      for (const q of keep) w[at(r, q)] = w0[at(r, q)] as number;
      continue;
    }
    const delta = hinv !== undefined && gone.length < keep.length ? removedForm(hinv, d, keep, gone, (q) => w0[at(r, q)] as number) : keptForm(h, d, keep, gone, (q) => w0[at(r, q)] as number);
    keep.forEach((q, i) => (w[at(r, q)] = (w0[at(r, q)] as number) + (delta[i] as number)));
  }
}

/** δw_R = H_RR⁻¹ H_RS w⁰_S. */
function keptForm(h: Float64Array, d: number, keep: readonly number[], gone: readonly number[], w0: (q: number) => number): Float64Array {
  const k = keep.length;
  const hrr = new Float64Array(k * k);
  const rhs = new Float64Array(k);
  keep.forEach((qi, i) => {
    for (let j = 0; j < k; j++) hrr[i * k + j] = h[qi * d + (keep[j] as number)] as number;
    let s = 0;
    for (const qs of gone) s += (h[qi * d + qs] as number) * w0(qs);
    rhs[i] = s;
  });
  return solveSpd(hrr, rhs, k);
}

/** δw_R = −H⁻¹[R, S] (H⁻¹[S, S])⁻¹ w⁰_S. */
function removedForm(hinv: Float64Array, d: number, keep: readonly number[], gone: readonly number[], w0: (q: number) => number): Float64Array {
  const m = gone.length;
  const hss = new Float64Array(m * m);
  gone.forEach((a, i) => gone.forEach((b, j) => (hss[i * m + j] = hinv[a * d + b] as number)));
  const z = solveSpd(hss, Float64Array.from(gone, w0), m);
  return Float64Array.from(keep, (q) => {
    let s = 0;
    gone.forEach((g, j) => (s += (hinv[q * d + g] as number) * (z[j] as number)));
    return -s;
  });
}

/** H + λI with λ = damping × mean diagonal (the matrix dampedInverse inverts). */
function damped(h: Float64Array, d: number, damping: number): Float64Array {
  let mean = 0;
  for (let i = 0; i < d; i++) mean += h[i * d + i] as number;
  const lambda = Math.max((damping * mean) / Math.max(1, d), 1e-12);
  const out = Float64Array.from(h);
  for (let i = 0; i < d; i++) out[i * d + i] = (out[i * d + i] as number) + lambda;
  return out;
}

/** OBS on one layer (all its groups) to `count` more zeros; returns the mask. */
function pruneLayer(w: PrunableWeight, groups: number, dim: number, hAll: Float64Array, sparsity: number, o: LobsOptions): Float32Array {
  const data = w.tensor.data as Float32Array;
  const layout = fcLayout(w);
  const rowsPer = layout.out / groups;
  if (layout.in !== dim || !Number.isInteger(rowsPer)) {
    throw new SlimnetError('SHAPE_MISMATCH', `L-OBS: layer '${w.node.name}' input blocks are ${groups}×${dim}, weight '${w.name}' is ${layout.out}×${layout.in}`);
  }
  const mask = new Float32Array(data.length);
  const w0 = Float32Array.from(data);
  for (let g = 0; g < groups; g++) {
    const h = hAll.subarray(g * dim * dim, (g + 1) * dim * dim);
    const part = groups === 1 ? data : data.subarray(g * rowsPer * dim, (g + 1) * rowsPer * dim);
    const sub: FcLayout = { ...layout, out: rowsPer };
    const zeros = part.reduce((a, x) => a + (x === 0 ? 1 : 0), 0);
    const hd = damped(h, dim, o.damping ?? 1e-2);
    const hinv = dampedInverse(hd, dim, 0);
    const m = obsPruneLayer(part, sub, hinv, Math.round(sparsity * part.length) - zeros, o.steps ?? 8);
    const orig = groups === 1 ? w0 : w0.subarray(g * rowsPer * dim, (g + 1) * rowsPer * dim);
    obsReconstruct(part, orig, m, sub, hd, hinv);
    mask.set(m, g * m.length);
  }
  return mask;
}

/** Per-layer sparsities: the target itself, or (global scope) the split of one |w|/std threshold. */
function layerTargets(weights: readonly PrunableWeight[], o: LobsOptions): Map<PrunableWeight, number> {
  const out = new Map<PrunableWeight, number>();
  if (o.scope === 'global') {
    if (typeof o.sparsity !== 'number') throw new SlimnetError('INVALID_ARGUMENT', 'global L-OBS takes one sparsity, not a per-layer map');
    const masks = magnitudeMasks(weights, { sparsity: o.sparsity, scope: 'global', normalizeByStd: o.normalizeByStd ?? false });
    for (const w of weights) {
      const m = masks[w.name] as Float32Array;
      out.set(w, Math.min(0.999, 1 - m.reduce((a, x) => a + x, 0) / m.length));
    }
    return out;
  }
  for (const w of weights) {
    const s = typeof o.sparsity === 'number' ? o.sparsity : perLayer(o.sparsity, w);
    if (s !== undefined) out.set(w, checkSparsity(s, w.name));
  }
  return out;
}

/** Layer-wise OBS on a copy of `model`; layer inputs are measured on `data` (usually training samples). */
export async function lobsPrune(model: Model, data: Split, o: LobsOptions): Promise<PruneResult> {
  const m = model.clone();
  const weights = prunableWeights(m, o).filter((w) => w.role === 'weight');
  const targets = layerTargets(weights, o);
  const obs = weights.filter((w) => targets.has(w) && (w.node.opType === 'Conv' || (w.kind === 'fc' && w.tensor.rank === 2)));
  const moments = await layerInputMoments(m, obs.map((w) => w.node.name), data, o);
  const masks: Masks = {};
  for (const w of obs) {
    const mo = moments.get(w.node.name);
    if (mo === undefined) throw new SlimnetError('INVALID_ARGUMENT', `L-OBS: no input moments for layer '${w.node.name}'`);
    masks[w.name] = pruneLayer(w, mo.groups, mo.dim, mo.h, targets.get(w) as number, o);
  }
  const rest = weights.filter((w) => !obs.includes(w) && targets.has(w));
  Object.assign(masks, magnitudeMasks(rest, { sparsity: Object.fromEntries(rest.map((w) => [w.name, targets.get(w) as number])) }));
  applyMasks(m, masks);
  return { model: m, masks, stats: sparsityStats(m, o) };
}
