/**
 * Distillation losses, appended through a GraphBuilder from differentiable standard ops (so the gradient
 * rule table differentiates them at any opset 11-21):
 *
 *   kdLoss            Hinton et al. 2015: α · T² · KL(softmax(t/T) ‖ softmax(s/T)) + (1 − α) · CE(s, labels)
 *   hintLoss          FitNets (Romero et al. 2015): ½ · mean over elements of (r(v_guided) − u_hint)²
 *   attentionMap      Zagoruyko & Komodakis 2017: Q = mean over channels of |A|^p, flattened, L2-normalised
 *   attentionTransferLoss   β/2 · Σ_j mean over batch and positions of (Q_s^j/‖Q_s^j‖ − Q_t^j/‖Q_t^j‖)²
 *
 * The attention-transfer scale follows the authors' code (β = 1000 with a mean over batch and positions,
 * i.e. the paper's "10³ divided by the number of elements in the attention map and the batch size").
 * The hint loss divides the paper's ½‖·‖² by the number of elements so the step size does not depend on
 * the size of the hint layer.
 */
import { klDivSoftened, softmaxCrossEntropy } from '../../autodiff/losses.js';
import type { GraphBuilder } from '../../ir/builder.js';
import { ShapeError, SlimnetError } from '../../ir/errors.js';
import { shapeToString } from '../../ir/shape.js';
import type { Value } from '../../ir/value.js';

type FloatType = 'float32' | 'float64';

/** Hinton's soft-target weights: temperature T and soft-term weight α. */
export interface KdWeights {
  /** Softmax temperature T of both teacher and student (> 0). */
  readonly temperature: number;
  /** Weight α in [0, 1] of the soft-target term; the hard-label cross-entropy gets 1 − α. */
  readonly alpha: number;
}

/** Options of `attentionTransferLoss`: weight β, exponent p and the opset. */
export interface AttentionOptions {
  /** Weight β of the attention terms (default 1000, as in the authors' code). */
  readonly beta?: number;
  /** Exponent p of the attention map Σ|A|^p (default 2). */
  readonly p?: number;
  /** ai.onnx opset of the graph (reductions changed their signature at 13 and 18). */
  readonly opset: number;
}

function floatType(v: Value): FloatType {
  return v.dtype === 'float64' ? 'float64' : 'float32';
}

function k(b: GraphBuilder, value: number, like: Value, prefix: string): Value {
  return b.constant(value, [], prefix, floatType(like));
}

/** A reduction over `axes`, with the axes as attribute or input as the opset requires. */
function reduce(b: GraphBuilder, op: 'ReduceMean' | 'ReduceSumSquare', x: Value, axes: readonly number[], keepdims: boolean, opset: number): Value {
  const kd = keepdims ? 1 : 0;
  if (opset >= 18) return b.op(op, [x, b.constInt64(axes, [axes.length], 'distill/axes')], { keepdims: kd });
  return b.op(op, [x], { axes: [...axes], keepdims: kd });
}

/** Hinton's distillation loss: soft targets at temperature T (with the T² factor) mixed with hard labels. */
export function kdLoss(b: GraphBuilder, student: Value, teacher: Value, labels: Value, w: KdWeights): Value {
  if (!(w.temperature > 0)) throw new SlimnetError('INVALID_ARGUMENT', `distillation temperature must be > 0, got ${w.temperature}`);
  if (!(w.alpha >= 0 && w.alpha <= 1)) throw new SlimnetError('INVALID_ARGUMENT', `distillation alpha must be in [0, 1], got ${w.alpha}`);
  const soft = w.alpha === 0 ? undefined : klDivSoftened(b, student, teacher, w.temperature);
  const hard = w.alpha === 1 ? undefined : softmaxCrossEntropy(b, student, labels);
  if (soft === undefined) return hard as Value;
  if (hard === undefined) return soft;
  const a = b.op('Mul', [soft, k(b, w.alpha, student, 'kd/alpha')], {}, { name: 'kd/soft' });
  const h = b.op('Mul', [hard, k(b, 1 - w.alpha, student, 'kd/one_minus_alpha')], {}, { name: 'kd/hard' });
  return b.op('Add', [a, h], {}, { name: 'kd/loss' });
}

/** FitNets hint loss: ½ · mean((regressed − hint)²); both must have the same shape. */
export function hintLoss(b: GraphBuilder, regressed: Value, hint: Value): Value {
  const [r, h] = [regressed.shape, hint.shape];
  if (r !== undefined && h !== undefined && (r.length !== h.length || r.some((d, i) => i > 0 && typeof d === 'number' && typeof h[i] === 'number' && d !== h[i]))) {
    throw new ShapeError(`hint loss: regressed guided layer '${regressed.name}' is ${shapeToString(r)} but the hint '${hint.name}' is ${shapeToString(h)}`);
  }
  const d = b.op('Sub', [regressed, hint], {}, { name: 'fitnets/diff' });
  const mean = b.op('ReduceMean', [b.op('Mul', [d, d])], { keepdims: 0 }, { name: 'fitnets/mse' });
  return b.op('Mul', [mean, k(b, 0.5, regressed, 'fitnets/half')], {}, { name: 'fitnets/hint_loss' });
}

/** Spatial attention map of a feature map [N, C, H, W]: [N, H·W], each row of unit L2 norm. */
export function attentionMap(b: GraphBuilder, a: Value, opset: number, p = 2): Value {
  if (a.shape !== undefined && a.shape.length !== 4) throw new ShapeError(`attention map of '${a.name}': needs a [N, C, H, W] feature map, got ${shapeToString(a.shape)}`);
  if (!(p > 0)) throw new SlimnetError('INVALID_ARGUMENT', `attention exponent p must be > 0, got ${p}`);
  const powered = p === 2 ? b.op('Mul', [a, a]) : b.op('Pow', [b.op('Abs', [a]), k(b, p, a, 'at/p')]);
  const flat = b.op('Flatten', [reduce(b, 'ReduceMean', powered, [1], false, opset)], { axis: 1 }, { name: `at/${a.name}/map` });
  const norm = b.op('Sqrt', [b.op('Add', [reduce(b, 'ReduceSumSquare', flat, [1], true, opset), k(b, 1e-12, a, 'at/eps')])]);
  return b.op('Div', [flat, norm], {}, { name: `at/${a.name}/normalized` });
}

/** β/2 · Σ over (student, teacher) feature-map pairs of mean((Q_s − Q_t)²); paired maps share H and W. */
export function attentionTransferLoss(b: GraphBuilder, pairs: ReadonlyArray<readonly [Value, Value]>, o: AttentionOptions): Value {
  if (pairs.length === 0) throw new SlimnetError('INVALID_ARGUMENT', 'attention transfer needs at least one (student, teacher) layer pair');
  const beta = o.beta ?? 1000;
  if (!(beta >= 0)) throw new SlimnetError('INVALID_ARGUMENT', `attention transfer beta must be >= 0, got ${beta}`);
  const terms = pairs.map(([s, t]) => {
    const [ss, ts] = [s.shape, t.shape];
    if (ss !== undefined && ts !== undefined && !ss.slice(2).every((d, i) => d === ts[i + 2])) {
      throw new ShapeError(`attention transfer pairs student '${s.name}' ${shapeToString(ss)} with teacher '${t.name}' ${shapeToString(ts)}: the spatial sizes (H, W) must match`);
    }
    const d = b.op('Sub', [attentionMap(b, s, o.opset, o.p), attentionMap(b, t, o.opset, o.p)]);
    return b.op('ReduceMean', [b.op('Mul', [d, d])], { keepdims: 0 }, { name: `at/${s.name}/term` });
  });
  const first = terms[0] as Value;
  const total = terms.length === 1 ? first : b.op('Sum', terms, {}, { name: 'at/sum' });
  return b.op('Mul', [total, k(b, beta / 2, (pairs[0] as readonly [Value, Value])[0], 'at/half_beta')], {}, { name: 'at/loss' });
}
