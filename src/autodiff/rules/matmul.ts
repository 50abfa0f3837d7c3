/**
 * Gradients of Gemm and MatMul. Transposes are folded into Gemm's transA / transB flags wherever the
 * operands are matrices; batched MatMul transposes the last two axes and undoes broadcasting.
 */
import { ShapeError } from '../../ir/errors.js';
import type { Dim, Shape } from '../../ir/shape.js';
import type { Value } from '../../ir/value.js';
import type { GradContext, GradientRule, GradientTable } from '../rule.js';
import { reshapeLike, unsqueeze } from './helpers.js';
import { range } from './window.js';

/** Gemm with flags; `alpha` 1 is left out. */
function gemm(c: GradContext, a: Value, b: Value, transA: number, transB: number, alpha: number): Value {
  const attrs: Record<string, number> = {};
  if (transA !== 0) attrs['transA'] = 1;
  if (transB !== 0) attrs['transB'] = 1;
  if (alpha !== 1) attrs['alpha'] = alpha;
  return c.op('Gemm', [a, b], attrs);
}

// Y = alpha · A' B' + beta · C with A' = transA ? Aᵀ : A (likewise B').
//   dA' = alpha · dY B'ᵀ,   dB' = alpha · A'ᵀ dY,   dC = beta · unbroadcast(dY).
const gemmRule: GradientRule = (c) => {
  const dy = c.dOut();
  if (dy === undefined) return [];
  const a = c.node.input(0);
  const b = c.node.input(1);
  const ta = c.node.attrInt('transA', 0);
  const tb = c.node.attrInt('transB', 0);
  const alpha = c.node.attrFloat('alpha', 1);
  const beta = c.node.attrFloat('beta', 1);
  const cIn = c.node.inputs[2];
  let dc: Value | undefined;
  if (cIn !== undefined && c.needs(2)) {
    const scaled = beta === 1 ? dy : c.op('Mul', [dy, c.scalar(beta)]);
    dc = c.unbroadcast(scaled, cIn);
  }
  return [
    c.needs(0) ? (ta === 0 ? gemm(c, dy, b, 0, 1 - tb, alpha) : gemm(c, b, dy, tb, 1, alpha)) : undefined,
    c.needs(1) ? (tb === 0 ? gemm(c, a, dy, 1 - ta, 0, alpha) : gemm(c, dy, a, 1, ta, alpha)) : undefined,
    dc,
  ];
};

/** Swaps the last two axes of a rank-r value. */
function transposeLast(c: GradContext, v: Value, rank: number): Value {
  return c.op('Transpose', [v], { perm: [...range(0, rank - 2), rank - 1, rank - 2] });
}

function withShape(v: Value, shape: Shape): Value {
  v.shape = shape;
  return v;
}

/** Broadcast batch dims of two shapes (numbers win over 1; equal symbols stay; otherwise unknown). */
function broadcastBatch(x: Shape, y: Shape): Dim[] {
  const r = Math.max(x.length, y.length);
  const out: Dim[] = [];
  for (let i = 0; i < r; i++) {
    const p = i - (r - x.length) >= 0 ? x[i - (r - x.length)] : 1;
    const q = i - (r - y.length) >= 0 ? y[i - (r - y.length)] : 1;
    out.push(p === 1 ? (q ?? null) : q === 1 ? (p ?? null) : p === q ? (p ?? null) : null);
  }
  return out;
}

// Y = A @ B (numpy matmul). With A, B lifted to matrices (a 1-D A is [1, K], a 1-D B is [K, 1]):
//   dA = unbroadcast(dY @ Bᵀ),  dB = unbroadcast(Aᵀ @ dY).
const matMulRule: GradientRule = (c) => {
  const dy = c.dOut();
  if (dy === undefined) return [];
  const a = c.node.input(0);
  const b = c.node.input(1);
  const as = a.shape;
  const bs = b.shape;
  if (as === undefined || bs === undefined) {
    throw new ShapeError(`gradient needs the ranks of '${a.name}' and '${b.name}' (run shape inference first)`, c.node.name);
  }
  if (as.length === 1 && bs.length === 1) {
    return [c.needs(0) ? c.op('Mul', [dy, b]) : undefined, c.needs(1) ? c.op('Mul', [dy, a]) : undefined];
  }
  if (as.length === 2 && bs.length === 2) {
    return [c.needs(0) ? gemm(c, dy, b, 0, 1, 1) : undefined, c.needs(1) ? gemm(c, a, dy, 1, 0, 1) : undefined];
  }
  const a2 = as.length === 1 ? withShape(unsqueeze(c, a, [0]), [1, as[0] as Dim]) : a;
  const b2 = bs.length === 1 ? withShape(unsqueeze(c, b, [1]), [bs[0] as Dim, 1]) : b;
  const a2s = a2.shape as Shape;
  const b2s = b2.shape as Shape;
  const batch = broadcastBatch(a2s.slice(0, -2), b2s.slice(0, -2));
  const rank = batch.length + 2;
  const m = a2s[a2s.length - 2] as Dim;
  const n = b2s[b2s.length - 1] as Dim;
  let dy2 = dy;
  if (as.length === 1) dy2 = unsqueeze(c, dy2, [rank - 2]);
  if (bs.length === 1) dy2 = unsqueeze(c, dy2, [rank - 1]);
  withShape(dy2, [...batch, m, n]);
  let da: Value | undefined;
  let db: Value | undefined;
  if (c.needs(0)) {
    const full = c.op('MatMul', [dy2, transposeLast(c, b2, b2s.length)]);
    da = c.unbroadcast(full, a2, [...batch, ...a2s.slice(-2)]);
    if (as.length === 1) da = reshapeLike(c, da, a);
  }
  if (c.needs(1)) {
    const full = c.op('MatMul', [transposeLast(c, a2, a2s.length), dy2]);
    db = c.unbroadcast(full, b2, [...batch, ...b2s.slice(-2)]);
    if (bs.length === 1) db = reshapeLike(c, db, b);
  }
  return [da, db];
};

export const matmulRules: GradientTable = { Gemm: gemmRule, MatMul: matMulRule };
