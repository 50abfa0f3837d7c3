/** Gradient rules of data-movement ops: Reshape, Flatten, Transpose, Concat, Split, Slice, Pad, Gather... */
import { UnsupportedOpError } from '../../ir/errors.js';
import { Tensor } from '../../ir/tensor.js';
import type { Value } from '../../ir/value.js';
import type { GradContext, GradientRule, GradientTable } from '../rule.js';
import { constNumbers, dimOf, normAxis, rankOf, requireConst, reshapeLike, staticDims, typeCode, zerosLike, zerosOfShape } from './helpers.js';

/** Ops that only reinterpret the layout: the gradient is the output gradient reshaped back. */
const reshapeBack: GradientRule = (c) => {
  const d = c.dOut();
  return d === undefined ? [] : [reshapeLike(c, d, c.node.input(0))];
};

/** End index meaning "to the end" in Slice. */
const TO_END = Number.MAX_SAFE_INTEGER;

/** The positions a Slice takes along one axis of size n (ONNX clamping rules). */
function slicePositions(n: number, start: number, end: number, step: number): number[] {
  let s = start < 0 ? start + n : start;
  let e = end < 0 ? end + n : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), n);
    e = Math.min(Math.max(e, 0), n);
  } else {
    s = Math.min(Math.max(s, 0), n - 1);
    e = Math.min(Math.max(e, -1), n - 1);
  }
  const out: number[] = [];
  for (let i = s; step > 0 ? i < e : i > e; i += step) out.push(i);
  return out;
}

/** Slice's starts / ends / axes / steps: attributes before opset 10, constant inputs from 10. */
function sliceParams(c: GradContext, rank: number): { starts: number[]; ends: number[]; axes: number[]; steps: number[] } {
  const n = c.node;
  const starts = c.opset >= 10 ? requireConst(c, 1, 'starts') : [...n.attrInts('starts', [])];
  const ends = c.opset >= 10 ? requireConst(c, 2, 'ends') : [...n.attrInts('ends', [])];
  const axesIn = c.opset >= 10 ? (n.inputs[3] === undefined ? undefined : requireConst(c, 3, 'axes')) : n.attrInts('axes');
  const steps = c.opset >= 10 && n.inputs[4] !== undefined ? requireConst(c, 4, 'steps') : starts.map(() => 1);
  const axes = (axesIn ?? starts.map((_, i) => i)).map((a) => normAxis(a, rank));
  return { starts, ends, axes, steps };
}

/** Runtime (or static) shape of g with dimension `axis` replaced by `size`. */
function shapeWithDim(c: GradContext, g: Value, dims: ReadonlyArray<number | undefined>, axis: number, size: number): Value {
  const next = dims.map((d, i) => (i === axis ? size : d));
  if (next.every((d) => d !== undefined)) return c.ints(next as number[]);
  const shape = c.shapeOf(g);
  const before = c.op('Slice', [shape, c.ints([0]), c.ints([axis])]);
  const after = c.op('Slice', [shape, c.ints([axis + 1]), c.ints([TO_END])]);
  return c.op('Concat', [before, c.ints([size]), after], { axis: 0 });
}

/** Scatters g (the gradient of a one-axis selection of `positions`) back into zeros of size n on `axis`. */
function scatterAxis(c: GradContext, g: Value, dims: Array<number | undefined>, axis: number, positions: readonly number[], n: number): Value {
  const idxDims = dims.map((_, i) => (i === axis ? positions.length : 1));
  const idx = c.b.graph.addInitializer(c.b.graph.uniqueName(`grad/${c.node.name}/idx`), Tensor.i64(idxDims, positions));
  const gDims = dims.every((d) => d !== undefined) ? c.ints(dims as number[]) : c.shapeOf(g);
  const expanded = c.op('Expand', [idx, gDims]);
  const zeros = zerosOfShape(c, shapeWithDim(c, g, dims, axis, n), c.node.input(0));
  dims[axis] = n;
  return c.op('ScatterElements', [zeros, expanded, g], { axis });
}

const slice: GradientRule = (c) => {
  const d = c.dOut();
  if (d === undefined) return [];
  const x = c.node.input(0);
  const rank = rankOf(c, x);
  const p = sliceParams(c, rank);
  const picks = p.axes.map((a, i) => ({ axis: a, n: dimOf(c, x, a), pos: slicePositions(dimOf(c, x, a), p.starts[i] ?? 0, p.ends[i] ?? TO_END, p.steps[i] ?? 1) }));
  if (picks.some((k) => k.pos.length === 0)) return [zerosLike(c, x)];
  if (p.steps.every((s) => s === 1)) {
    const pads = new Array<number>(2 * rank).fill(0);
    for (const k of picks) {
      pads[k.axis] = k.pos[0] as number;
      pads[rank + k.axis] = k.n - (k.pos[k.pos.length - 1] as number) - 1;
    }
    return [c.opset >= 11 ? c.op('Pad', [d, c.ints(pads)]) : c.op('Pad', [d], { pads, mode: 'constant' })];
  }
  const dOutShape = c.node.output(0).shape ?? d.shape;
  const dims: Array<number | undefined> = (dOutShape ?? x.shape ?? []).map((v) => (typeof v === 'number' ? v : undefined));
  let g = d;
  for (const k of picks) g = scatterAxis(c, g, dims, k.axis, k.pos, k.n);
  return [g];
};

/** Pad (constant mode): the gradient is the padded gradient sliced back to the input's extent. */
const pad: GradientRule = (c) => {
  const d = c.dOut();
  if (d === undefined) return [];
  const mode = c.node.attrString('mode', 'constant');
  if (mode !== 'constant') throw new UnsupportedOpError('Pad', c.node.name, `the gradient of mode '${mode}'`);
  const rank = rankOf(c, c.node.input(0));
  const pads = c.opset >= 11 ? requireConst(c, 1, 'pads') : [...c.node.attrInts('pads', [])];
  const axesIn = c.opset >= 18 && c.node.inputs[3] !== undefined ? requireConst(c, 3, 'axes') : undefined;
  const axes = (axesIn ?? Array.from({ length: rank }, (_, i) => i)).map((a) => normAxis(a, rank));
  if (pads.some((v) => v < 0)) throw new UnsupportedOpError('Pad', c.node.name, 'the gradient of negative pads');
  const starts: number[] = [];
  const ends: number[] = [];
  const sliced: number[] = [];
  axes.forEach((a, i) => {
    const [lo, hi] = [pads[i] ?? 0, pads[axes.length + i] ?? 0];
    if (lo === 0 && hi === 0) return;
    sliced.push(a);
    starts.push(lo);
    ends.push(hi > 0 ? -hi : TO_END);
  });
  if (sliced.length === 0) return [d];
  return [c.op('Slice', [d, c.ints(starts), c.ints(ends), c.ints(sliced)])];
};

/**
 * One-hot sizes (table entries × index count) from which Gather's gradient on axis 0 is a ScatterND with
 * reduction 'add' (opset 16+) instead of the one-hot MatMul: a hashed or shared weight gathers 10^5 entries
 * from 10^3..10^4 buckets, whose one-hot matrix would take gigabytes.
 */
export const GATHER_SCATTER_MIN = 1 << 20;

/**
 * Gather along `axis`: dx[.., j, ..] = Σ_k [idx_k = j] · d[.., k, ..] — a one-hot MatMul (any opset), or a
 * ScatterND accumulating d into zeros (axis 0, opset 16+, large one-hot).
 */
const gather: GradientRule = (c) => {
  const d = c.dOut();
  if (d === undefined || !c.needs(0)) return [];
  const [data, indices] = [c.node.input(0), c.node.input(1)];
  const rank = rankOf(c, data);
  const axis = normAxis(c.node.attrInt('axis', 0), rank);
  const n = dimOf(c, data, axis);
  const r = rankOf(c, indices);
  const known = constNumbers(indices);
  const idx64 = indices.dtype === 'int32' ? c.op('Cast', [indices], { to: 7 }) : indices;
  let idx = c.reshape(idx64, [-1, 1]);
  if (known === undefined || known.some((v) => v < 0)) {
    const n64 = c.ints([n]);
    idx = c.op('Where', [c.op('Less', [idx, c.ints([0])]), c.op('Add', [idx, n64]), idx]);
  }
  const count = staticDims(indices)?.reduce((p, v) => p * v, 1);
  if (axis === 0 && c.opset >= 16 && (count === undefined || count * n >= GATHER_SCATTER_MIN)) return [scatterAdd(c, d, data, idx)];
  const arange = c.b.graph.addInitializer(c.b.graph.uniqueName(`grad/${c.node.name}/arange`), Tensor.i64([1, n], Array.from({ length: n }, (_, i) => i)));
  const oneHotT = c.op('Cast', [c.op('Equal', [arange, idx])], { to: typeCode(data) }); // [K, n] -> transposed below
  const prod = (dims: ReadonlyArray<unknown>): number => (dims.every((v) => typeof v === 'number') ? (dims as number[]).reduce((p, v) => p * v, 1) : -1);
  const shape = d.shape ?? c.node.output(0).shape;
  if (shape === undefined) throw new UnsupportedOpError('Gather', c.node.name, 'a gradient without the output shape');
  const parts = [prod(shape.slice(0, axis)), prod(shape.slice(axis, axis + r)), prod(shape.slice(axis + r))];
  if (parts.filter((v) => v < 0).length > 1) throw new UnsupportedOpError('Gather', c.node.name, 'a gradient with several dynamic dimension groups');
  const d3 = c.reshape(d, parts);
  const g3 = c.op('MatMul', [c.op('Transpose', [oneHotT], { perm: [1, 0] }), d3]);
  return [reshapeLike(c, g3, data)];
};

/** d summed into zeros shaped like `data` at rows idx ([K, 1] int64): ScatterND with reduction 'add'. */
function scatterAdd(c: GradContext, d: Value, data: Value, idx: Value): Value {
  const rest = staticDims(data)?.slice(1);
  const updShape = rest !== undefined ? c.ints([-1, ...rest]) : c.op('Concat', [c.ints([-1]), c.op('Slice', [c.shapeOf(data), c.ints([1]), c.ints([TO_END])])], { axis: 0 });
  return c.op('ScatterND', [zerosLike(c, data), idx, c.reshape(d, updShape)], { reduction: 'add' });
}

export const shapeRules: GradientTable = {
  Reshape: reshapeBack,
  Flatten: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,
  Transpose: (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    const rank = rankOf(c, c.node.input(0));
    const perm = c.node.attrInts('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const inv = new Array<number>(rank);
    perm.forEach((p, i) => (inv[p] = i));
    return [c.op('Transpose', [d], { perm: inv })];
  },
  // Concat: each input gets its slab of the output gradient.
  Concat: (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    const axis = normAxis(c.node.attrInt('axis', 0), rankOf(c, c.node.input(0)));
    let offset = 0;
    return c.node.inputs.map((v, i) => {
      if (v === undefined) return undefined;
      const size = dimOf(c, v, axis);
      const start = offset;
      offset += size;
      return c.needs(i) ? c.op('Slice', [d, c.ints([start]), c.ints([start + size]), c.ints([axis])]) : undefined;
    });
  },
  // Split: the output gradients (zeros where none arrives) concatenated back.
  Split: (c) => {
    if (!c.node.outputs.some((_, i) => c.dOut(i) !== undefined)) return [];
    const axis = normAxis(c.node.attrInt('axis', 0), rankOf(c, c.node.input(0)));
    const parts = c.node.outputs.map((o, i) => c.dOut(i) ?? zerosLike(c, o));
    return [c.op('Concat', parts, { axis })];
  },
  Slice: slice,
  Pad: pad,
  Gather: gather,
  // Expand: sum over the broadcast axes.
  Expand: (c) => {
    const d = c.dOut();
    return d === undefined ? [] : [c.unbroadcast(d, c.node.input(0))];
  },
  // Tile: view the output as [r0, n0, r1, n1, ...] and sum over the repeat axes.
  Tile: (c) => {
    const d = c.dOut();
    if (d === undefined) return [];
    const x = c.node.input(0);
    const dims = staticDims(x);
    if (dims === undefined) throw new UnsupportedOpError('Tile', c.node.name, 'a gradient with a dynamic input shape');
    const reps = requireConst(c, 1, 'repeats');
    const split = c.reshape(d, dims.flatMap((n, i) => [reps[i] ?? 1, n]));
    return [c.reduceSum(split, dims.map((_, i) => 2 * i), false)];
  },
};
