/**
 * Data-free neuron merging (Srinivas & Babu 2015) for fully connected layers. For hidden units i, j of a
 * layer with incoming weight vectors W_i, W_j (bias included) and outgoing weight vectors a_i, a_j (the
 * next FC layer's columns), the saliency of removing j into i is ‖a_j‖² · ‖W_i − W_j‖². The unit j of least
 * saliency (over its best partner i) is removed and its outgoing weights added to i's (a_i += a_j, exact
 * when a_j = a_i). Units are physically removed: the layer's rows / bias and the next layer's columns
 * shrink. Handles FC → [elementwise activations] → FC chains whose intermediate values have one consumer.
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import { perLayer, prunableWeights, type PrunableOptions, type PrunableWeight } from '../common/prunable.js';
import { sparsityStats } from '../common/sparsity.js';
import { fcLayout } from './lobs.js';
import { checkSparsity } from './select.js';
import type { PruneResult, SparsityTarget } from './types.js';

const PASS_THROUGH = ['Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Elu', 'Selu', 'Softplus', 'Identity', 'Dropout', 'HardSigmoid', 'Gelu'];

/** Options of `dataFreePrune`: the fraction of hidden units to remove per FC layer. */
export interface DataFreeOptions extends PrunableOptions {
  /** Fraction of each hidden FC layer's units to remove (uniform, or per layer by weight / node name). */
  readonly ratio: SparsityTarget;
}

/** Unit count of one FC layer before and after data-free merging. */
export interface MergedLayer {
  readonly layer: string;
  readonly before: number;
  readonly after: number;
}

/** The result of `dataFreePrune`: the pruned model plus unit counts of each shrunk layer. */
export interface DataFreeResult extends PruneResult {
  /** Unit counts of each shrunk layer. */
  readonly layers: readonly MergedLayer[];
}

interface Chain {
  readonly w: PrunableWeight;
  readonly bias: Value | undefined;
  /** Values whose last dim is the unit count (layer output through the activations). */
  readonly values: readonly Value[];
  readonly next: PrunableWeight;
}

function soleUse(v: Value): Node | undefined {
  const g = v.producer?.graph;
  if (v.uses.length !== 1 || g?.outputs.includes(v) === true) return undefined;
  return v.uses[0]?.node;
}

function chainOf(w: PrunableWeight, all: readonly PrunableWeight[]): Chain | undefined {
  const node = w.node;
  if (w.tensor.rank !== 2 || node.opType === 'Gemm' && node.attrInt('transA', 0) !== 0) return undefined;
  let bias: Value | undefined = node.opType === 'Gemm' ? node.inputs[2] : undefined;
  const values: Value[] = [node.output()];
  let v = node.output();
  let user = soleUse(v);
  if (node.opType === 'MatMul' && user?.opType === 'Add') {
    bias = user.inputs.find((x) => x !== v);
    v = user.output();
    values.push(v);
    user = soleUse(v);
  }
  while (user !== undefined && PASS_THROUGH.includes(user.opType) && user.inputs[0] === v) {
    v = user.output();
    values.push(v);
    user = soleUse(v);
  }
  const next = all.find((x) => x.node === user && x.role === 'weight' && user?.inputs[0] === v && x.tensor.rank === 2);
  if (next === undefined || (next.node.opType === 'Gemm' && next.node.attrInt('transA', 0) !== 0)) return undefined;
  const units = fcLayout(w).out;
  const bt = bias?.initializer;
  if (bias !== undefined && (bt === undefined || bt.dtype !== 'float32' || bt.size !== units || bias.uses.length !== 1)) return undefined;
  if (w.value.uses.length !== 1 || next.value.uses.length !== 1 || fcLayout(next).in !== units) return undefined;
  return { w, bias, values, next };
}

/** Chooses units to remove by merging; mutates incoming (rows) and outgoing (columns) vectors. Returns kept units. */
export function mergeUnits(incoming: Float64Array[], outgoing: Float64Array[], remove: number): number[] {
  const n = incoming.length;
  const dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = incoming[i] as Float64Array;
      const b = incoming[j] as Float64Array;
      let s = 0;
      for (let k = 0; k < a.length; k++) s += ((a[k] as number) - (b[k] as number)) ** 2;
      dist[i * n + j] = s;
      dist[j * n + i] = s;
    }
  }
  const norm2 = (v: Float64Array): number => v.reduce((s, x) => s + x * x, 0);
  const alive = new Array<boolean>(n).fill(true);
  const a2 = outgoing.map(norm2);
  for (let step = 0; step < Math.min(remove, n - 1); step++) {
    let best = Infinity;
    let bj = -1;
    let bi = -1;
    for (let j = 0; j < n; j++) {
      if (!alive[j]) continue;
      for (let i = 0; i < n; i++) {
        if (i === j || !alive[i]) continue;
        const s = (a2[j] as number) * (dist[i * n + j] as number);
        if (s < best) { best = s; bj = j; bi = i; }
      }
    }
    const ai = outgoing[bi] as Float64Array;
    const aj = outgoing[bj] as Float64Array;
    for (let k = 0; k < ai.length; k++) ai[k] = (ai[k] as number) + (aj[k] as number);
    a2[bi] = norm2(ai);
    alive[bj] = false;
  }
  return alive.flatMap((x, i) => (x ? [i] : []));
}

function shrink(c: Chain, remove: number): MergedLayer {
  const L = fcLayout(c.w);
  const N = fcLayout(c.next);
  const wd = (c.w.value.initializer ?? c.w.tensor).data as Float32Array;
  const nd = (c.next.value.initializer ?? c.next.tensor).data as Float32Array;
  const bd = c.bias?.initializer?.data as Float32Array | undefined;
  const inIdx = (r: number, q: number): number => (L.transposed ? q * L.out + r : r * L.in + q);
  const outIdx = (r: number, u: number): number => (N.transposed ? u * N.out + r : r * N.in + u);
  const incoming = Array.from({ length: L.out }, (_, u) => {
    const v = new Float64Array(L.in + 1);
    for (let q = 0; q < L.in; q++) v[q] = wd[inIdx(u, q)] as number;
    v[L.in] = bd?.[u] ?? 0;
    return v;
  });
  const outgoing = Array.from({ length: L.out }, (_, u) => Float64Array.from({ length: N.out }, (_, r) => nd[outIdx(r, u)] as number));
  const keep = mergeUnits(incoming, outgoing, remove);
  const k = keep.length;
  const w2 = new Float32Array(k * L.in);
  const n2 = new Float32Array(N.out * k);
  keep.forEach((u, j) => {
    for (let q = 0; q < L.in; q++) w2[L.transposed ? q * k + j : j * L.in + q] = (incoming[u] as Float64Array)[q] as number;
    for (let r = 0; r < N.out; r++) n2[N.transposed ? j * N.out + r : r * k + j] = (outgoing[u] as Float64Array)[r] as number;
  });
  const set = (v: Value, dims: number[], data: Float32Array): void => {
    v.initializer = new Tensor('float32', dims, data);
    v.shape = dims;
  };
  set(c.w.value, L.transposed ? [L.in, k] : [k, L.in], w2);
  set(c.next.value, N.transposed ? [k, N.out] : [N.out, k], n2);
  if (c.bias !== undefined) set(c.bias, [k], Float32Array.from(keep, (u) => (incoming[u] as Float64Array)[L.in] as number));
  for (const v of c.values) if (v.shape !== undefined && v.shape.length > 0) v.shape = [...v.shape.slice(0, -1), k];
  return { layer: c.w.node.name, before: L.out, after: k };
}

/** Merges similar units of every eligible hidden FC layer of a copy of `model` (no data needed). */
export function dataFreePrune(model: Model, o: DataFreeOptions): DataFreeResult {
  const m = model.clone();
  const all = prunableWeights(m, { ...o, includeBiases: false });
  const everything = prunableWeights(m);
  const layers: MergedLayer[] = [];
  const chains = all.filter((w) => w.kind === 'fc').map((w) => chainOf(w, everything)).filter((c): c is Chain => c !== undefined);
  if (chains.length === 0) throw new SlimnetError('INVALID_ARGUMENT', `data-free pruning: model '${m.graph.name}' has no FC → activation → FC chain`);
  for (const c of chains) {
    const r = typeof o.ratio === 'number' ? o.ratio : perLayer(o.ratio, c.w);
    if (r === undefined) continue;
    layers.push(shrink(c, Math.round(checkSparsity(r, c.w.name) * fcLayout(c.w).out)));
  }
  return { model: m, masks: {}, stats: sparsityStats(m, o), layers };
}
