/**
 * Sparsity-inducing training before pruning: SSL (Wen et al. 2016) — group lasso over each coupled
 * channel's filters, so whole channels go to zero together (across every conv feeding a residual Add) —
 * and network slimming (Liu et al. 2017) — L1 on BatchNorm γ. Both run `train()` with a loss term; the
 * channels are then scored by their group norm (`sslImportance`) or |γ| (`bnScaleImportance`).
 */
import type { GraphBuilder } from '../../../ir/builder.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import { bnScaleL1Term, type LossTerm } from '../../../train/regularizers.js';
import { train } from '../../../train/trainer.js';
import type { TrainOptions } from '../../../train/types.js';
import { magnitudeImportance } from './importance/magnitude.js';
import type { Importance } from './importance/types.js';
import type { DependencyGraph, ParamSlice, SliceRole } from './types.js';

/** Σ_groups Σ_channels √(Σ over the channel's coupled weights w² + ε): group lasso over whole channels. */
export function channelGroupLassoTerm(dep: DependencyGraph, coefficient: number, roles: readonly SliceRole[] = ['out'], eps = 1e-8): LossTerm {
  return {
    name: 'channel_group_lasso',
    coefficient,
    build: ({ b, params }) => {
      const byName = new Map(params.map((p) => [p.name, p.value]));
      const parts: Value[] = [];
      for (const g of dep.groups) {
        if (g.blocked.length > 0) continue;
        const perChannel: Value[] = [];
        for (const s of g.slices) {
          const w = roles.includes(s.role) ? byName.get(s.node.input(s.input).name) : undefined;
          if (w !== undefined) perChannel.push(channelSquares(b, w, s, g.size));
        }
        if (perChannel.length === 0) continue;
        const total = perChannel.length === 1 ? (perChannel[0] as Value) : b.op('Sum', perChannel);
        const norms = b.op('Sqrt', [b.op('Add', [total, b.constant(eps, [], 'gl/eps')])]);
        parts.push(b.op('ReduceSum', [norms], { keepdims: 0 }));
      }
      if (parts.length === 0) return undefined;
      return parts.length === 1 ? parts[0] : b.op('Sum', parts);
    },
  };
}

/** [group size] vector: Σ w² per channel of one slice (positions of other groups ignored). */
function channelSquares(b: GraphBuilder, w: Value, s: ParamSlice, size: number): Value {
  const t = s.node.input(s.input).initializer;
  const rank = t?.rank ?? w.shape?.length ?? 1;
  const axes = [...Array(rank).keys()].filter((a) => a !== s.axis);
  const sq = b.op('Mul', [w, w]);
  const perPosition = axes.length === 0 ? sq : b.op('ReduceSum', [sq, b.constInt64(axes)], { keepdims: 0 });
  const identity = s.channel.length === size && s.channel.every((c, i) => c === i);
  if (identity) return perPosition;
  const p = s.channel.length;
  const onehot = Tensor.f32([p, size]);
  s.channel.forEach((c, i) => {
    if (c >= 0) (onehot.data as Float32Array)[i * size + c] = 1;
  });
  const row = b.op('Reshape', [perPosition, b.constInt64([1, p])]);
  const summed = b.op('MatMul', [row, b.initializer('gl/onehot', onehot)]);
  return b.op('Reshape', [summed, b.constInt64([size])]);
}

/**
 * Options of `sparsityTrain`: the training options plus the regularizer (SSL group lasso or slimming's L1 on BatchNorm
 * γ) and its coefficient.
 */
export interface SparsityTrainOptions extends Omit<TrainOptions, 'model' | 'hooks'> {
  /** 'ssl' (channel group lasso) or 'slimming' (L1 on BatchNorm γ). */
  readonly kind: 'ssl' | 'slimming';
  /** Regularizer coefficient (default 1e-4 for SSL, 1e-4 for slimming). */
  readonly coefficient?: number;
}

/** Trains `dep.model` with the sparsity term and returns the trained model. */
export async function sparsityTrain(dep: DependencyGraph, opts: SparsityTrainOptions): Promise<Model> {
  const { kind, coefficient, ...rest } = opts;
  const c = coefficient ?? 1e-4;
  const term = kind === 'ssl' ? channelGroupLassoTerm(dep, c) : bnScaleL1Term(c);
  const result = await train({ ...rest, model: dep.model, hooks: { terms: [term] } });
  return result.model;
}

/** SSL's criterion: the L2 norm of each channel's coupled filters (comparable across groups, for thresholds). */
export function sslImportance(): Importance {
  return { ...magnitudeImportance({ p: 2 }), name: 'ssl', comparable: true };
}
