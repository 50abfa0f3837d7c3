/**
 * Training losses appended through a GraphBuilder, composed from differentiable standard ops (so the rule
 * table differentiates them and they run at any opset 11-21). Each returns the scalar loss Value.
 *
 *   softmaxCrossEntropy(b, logits [N,C], labels (int64 [N] or probabilities [N,C]), { reduction })
 *   mse(b, pred, target, { reduction })
 *   klDivSoftened(b, studentLogits [N,C], teacherLogits [N,C], T)   (Hinton distillation, batch mean)
 *   correctCount(b, logits [N,C], labels int64 [N])                  (float32 scalar; not differentiable)
 */
import type { GraphBuilder } from '../ir/builder.js';
import { dtypeToOnnx, isFloatDType } from '../ir/dtype.js';
import { ShapeError } from '../ir/errors.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';

/** Options of the loss builders: how the per-sample losses are reduced. */
export interface LossOptions {
  /** 'mean' (default) averages over the batch (cross-entropy) or over every element (mse); 'sum' adds up. */
  readonly reduction?: 'mean' | 'sum';
}

type FloatType = 'float32' | 'float64';

function floatTypeOf(v: Value): FloatType {
  return v.dtype === 'float64' ? 'float64' : 'float32';
}

/** Number of classes of [N, C] logits (static C required). */
function classCount(logits: Value, what: string): number {
  const s = logits.shape;
  const c = s?.[1];
  if (s === undefined || s.length !== 2 || typeof c !== 'number') {
    throw new ShapeError(`${what}: logits '${logits.name}' must be [N, C] with a static C, got ${s === undefined ? 'no shape' : `[${s.join(',')}]`}`);
  }
  return c;
}

function scalar(b: GraphBuilder, value: number, dtype: FloatType, prefix: string): Value {
  return b.constant(value, [], prefix, dtype);
}

/** Σ over the class axis, averaged over the batch: mean(x) · C (no axes argument, so valid at every opset). */
function batchMeanOfRowSums(b: GraphBuilder, x: Value, classes: number, dtype: FloatType): Value {
  const mean = b.op('ReduceMean', [x], { keepdims: 0 });
  return b.op('Mul', [mean, scalar(b, classes, dtype, 'loss/classes')]);
}

/** Integer labels [N] as one-hot rows [N, C] of `dtype`. */
function oneHot(b: GraphBuilder, labels: Value, classes: number, dtype: FloatType): Value {
  const column = b.op('Reshape', [labels, b.constInt64([-1, 1])]);
  const labels64 = labels.dtype === 'int64' ? column : b.op('Cast', [column], { to: dtypeToOnnx('int64') });
  const arange = b.initializer('loss/arange', Tensor.i64([1, classes], Array.from({ length: classes }, (_, i) => i)));
  return b.op('Cast', [b.op('Equal', [labels64, arange])], { to: dtypeToOnnx(dtype) });
}

/** Whether labels are probability rows [N, C] (float dtype, or rank 2) rather than class indices [N]. */
function isProbabilityRows(labels: Value): boolean {
  if (labels.dtype !== undefined) return isFloatDType(labels.dtype);
  if (labels.shape !== undefined) return labels.shape.length === 2;
  throw new ShapeError(`softmaxCrossEntropy: labels '${labels.name}' have neither dtype nor shape (run shape inference first)`);
}

/**
 * Cross-entropy of softmax(logits) against integer labels (or probability rows), numerically stable
 * through LogSoftmax: -Σ_c y_c · log softmax(z)_c, averaged over the batch ('mean') or summed.
 */
export function softmaxCrossEntropy(b: GraphBuilder, logits: Value, labels: Value, opts: LossOptions = {}): Value {
  const classes = classCount(logits, 'softmaxCrossEntropy');
  const dtype = floatTypeOf(logits);
  const logp = b.op('LogSoftmax', [logits], { axis: 1 });
  const target = isProbabilityRows(labels) ? labels : oneHot(b, labels, classes, dtype);
  const picked = b.op('Mul', [target, logp]);
  const total = opts.reduction === 'sum' ? b.op('ReduceSum', [picked], { keepdims: 0 }) : batchMeanOfRowSums(b, picked, classes, dtype);
  return b.op('Neg', [total]);
}

/** Mean (or sum) of squared differences over every element. */
export function mse(b: GraphBuilder, pred: Value, target: Value, opts: LossOptions = {}): Value {
  const diff = b.op('Sub', [pred, target]);
  const sq = b.op('Mul', [diff, diff]);
  return b.op(opts.reduction === 'sum' ? 'ReduceSum' : 'ReduceMean', [sq], { keepdims: 0 });
}

/**
 * Hinton distillation loss: T² · KL(softmax(t/T) ‖ softmax(s/T)), summed over classes and averaged over the
 * batch. Its gradient w.r.t. the student logits is T · (softmax(s/T) - softmax(t/T)) / N.
 */
export function klDivSoftened(b: GraphBuilder, studentLogits: Value, teacherLogits: Value, temperature: number): Value {
  if (!(temperature > 0)) throw new ShapeError(`klDivSoftened: temperature must be positive, got ${temperature}`);
  const classes = classCount(studentLogits, 'klDivSoftened');
  const dtype = floatTypeOf(studentLogits);
  const invT = scalar(b, 1 / temperature, dtype, 'kd/inv_t');
  const t = b.op('Mul', [teacherLogits, invT]);
  const logP = b.op('LogSoftmax', [t], { axis: 1 });
  const p = b.op('Softmax', [t], { axis: 1 });
  const logQ = b.op('LogSoftmax', [b.op('Mul', [studentLogits, invT])], { axis: 1 });
  const kl = batchMeanOfRowSums(b, b.op('Mul', [p, b.op('Sub', [logP, logQ])]), classes, dtype);
  return b.op('Mul', [kl, scalar(b, temperature * temperature, dtype, 'kd/t2')]);
}

/** Number of rows whose arg-max equals the label, as a float32 scalar (for accuracy; no gradient). */
export function correctCount(b: GraphBuilder, logits: Value, labels: Value): Value {
  const pred = b.op('ArgMax', [logits], { axis: 1, keepdims: 0 });
  const labels64 = labels.dtype === 'int64' ? labels : b.op('Cast', [labels], { to: dtypeToOnnx('int64') });
  const hits = b.op('Cast', [b.op('Equal', [pred, labels64])], { to: dtypeToOnnx('float32') });
  return b.op('ReduceSum', [hits], { keepdims: 0 });
}
