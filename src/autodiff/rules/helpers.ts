/** Small helpers shared by gradient rules: constant inputs, static shapes, opset-correct shape ops. */
import { dtypeToOnnx } from '../../ir/dtype.js';
import { ShapeError, UnsupportedOpError } from '../../ir/errors.js';
import { Tensor } from '../../ir/tensor.js';
import type { Value } from '../../ir/value.js';
import type { GradContext } from '../rule.js';

/** Contents of a constant value (initializer or Constant node) as numbers, or undefined when not constant. */
export function constNumbers(v: Value | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  if (v.initializer !== undefined) return v.initializer.toNumbers();
  const p = v.producer;
  if (p === undefined || p.opType !== 'Constant') return undefined;
  const t = p.attributes.get('value');
  if (t?.type === 'tensor') return t.value.toNumbers();
  const i = p.attributes.get('value_int') ?? p.attributes.get('value_float');
  if (i?.type === 'int' || i?.type === 'float') return [i.value];
  const is = p.attributes.get('value_ints') ?? p.attributes.get('value_floats');
  if (is?.type === 'ints' || is?.type === 'floats') return [...is.value];
  return undefined;
}

/** Constant contents of node input i, throwing UnsupportedOpError when it is computed at run time. */
export function requireConst(c: GradContext, i: number, what: string): number[] {
  const n = constNumbers(c.node.inputs[i]);
  if (n === undefined) throw new UnsupportedOpError(c.node.opType, c.node.name, `a gradient with a non-constant ${what}`);
  return n;
}

/** The static rank of v (shape inference must have run). */
export function rankOf(c: GradContext, v: Value): number {
  if (v.shape === undefined) {
    throw new ShapeError(`gradient needs the rank of '${v.name}' (run shape inference first)`, c.node.name);
  }
  return v.shape.length;
}

/** Static dims of v, or undefined when any dimension is symbolic / unknown. */
export function staticDims(v: Value): number[] | undefined {
  if (v.shape === undefined || !v.shape.every((d) => typeof d === 'number')) return undefined;
  return v.shape as number[];
}

/** Static size of dimension `axis` of v, throwing a ShapeError naming the node when it is not known. */
export function dimOf(c: GradContext, v: Value, axis: number): number {
  const d = v.shape?.[axis];
  if (typeof d !== 'number') {
    throw new ShapeError(`gradient needs the static size of axis ${axis} of '${v.name}'`, c.node.name);
  }
  return d;
}

/** Normalises a possibly negative axis against `rank`. */
export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Reshapes x to the shape of `like` (static when known, else read at run time). */
export function reshapeLike(c: GradContext, x: Value, like: Value): Value {
  const dims = staticDims(like);
  const out = dims !== undefined && !dims.includes(0) ? c.reshape(x, dims) : c.reshape(x, c.shapeOf(like));
  out.dtype = like.dtype;
  out.shape = like.shape;
  return out;
}

/** Unsqueeze at `axes` (attribute before opset 13, input from 13). */
export function unsqueeze(c: GradContext, x: Value, axes: readonly number[]): Value {
  return c.opset >= 13 ? c.op('Unsqueeze', [x, c.ints(axes)]) : c.op('Unsqueeze', [x], { axes: [...axes] });
}

/** ONNX type code of v's dtype (float32 when unknown). */
export function typeCode(v: Value): number {
  return dtypeToOnnx(v.dtype ?? 'float32');
}

/** Zeros with the run-time shape `shape` (an int64 1-D value) and the dtype of `like`. */
export function zerosOfShape(c: GradContext, shape: Value, like: Value): Value {
  const value = new Tensor(like.dtype ?? 'float32', [1]);
  return c.op('ConstantOfShape', [shape], { value });
}

/** Zeros shaped like v. */
export function zerosLike(c: GradContext, v: Value): Value {
  const dims = staticDims(v);
  const z = zerosOfShape(c, dims !== undefined ? c.ints(dims) : c.shapeOf(v), v);
  z.dtype = v.dtype;
  z.shape = v.shape;
  return z;
}

/** Axes list for a reduction: `axes` attr / input by opset, normalised; undefined means "all axes". */
export function reduceAxes(c: GradContext, inputFromOpset: number, rank: number): number[] {
  let axes: readonly number[] | undefined;
  if (c.opset >= inputFromOpset) {
    axes = c.node.inputs[1] === undefined ? undefined : requireConst(c, 1, 'axes input');
  } else {
    axes = c.node.attrInts('axes');
  }
  if (axes === undefined || axes.length === 0) {
    const noop = c.opset >= inputFromOpset && c.node.attrInt('noop_with_empty_axes', 0) === 1;
    return noop ? [] : Array.from({ length: rank }, (_, i) => i);
  }
  return [...new Set(axes.map((a) => normAxis(a, rank)))].sort((a, b) => a - b);
}
