/** Matrix products: Gemm, MatMul (numpy batching and 1-D cases), MatMulInteger, QLinearMatMul, Einsum. */
import type { DType } from '../../ir/dtype.js';
import type { Dim, Shape } from '../../ir/shape.js';
import { broadcastShapes, expectDim, mergeDim, shapeOfRank } from './dims.js';
import type { RuleContext, RuleTable, ShapeRule } from './types.js';

const gemm: ShapeRule = (ctx) => {
  const a = shapeOfRank(ctx, 0, 2, 'Gemm input A');
  const b = shapeOfRank(ctx, 1, 2, 'Gemm input B');
  const dtype = ctx.dtype(0);
  if (a === undefined || b === undefined) return [{ dtype }];
  const transA = ctx.node.attrInt('transA', 0) === 1;
  const transB = ctx.node.attrInt('transB', 0) === 1;
  const [m, ka] = (transA ? [a[1], a[0]] : [a[0], a[1]]) as [Dim, Dim];
  const [kb, n] = (transB ? [b[1], b[0]] : [b[0], b[1]]) as [Dim, Dim];
  expectDim(ctx, kb, ka, `inner dimension of B [${b.join(',')}]${transB ? ' (transB)' : ''} vs A [${a.join(',')}]${transA ? ' (transA)' : ''}`);
  const c = ctx.has(2) ? ctx.shape(2) : undefined;
  if (c !== undefined) broadcastShapes([[m, n], c], (msg) => ctx.fail(`bias C [${c.join(',')}] does not broadcast to [M,N]: ${msg}`));
  return [{ dtype, shape: [m, n] }];
};

/** numpy matmul shape of a and b. */
export function matmulShape(ctx: RuleContext, a: Shape, b: Shape): Shape {
  if (a.length === 0 || b.length === 0) ctx.fail('MatMul inputs must have rank >= 1');
  const A: Shape = a.length === 1 ? [1, a[0] as Dim] : a;
  const B: Shape = b.length === 1 ? [b[0] as Dim, 1] : b;
  const k = A[A.length - 1] as Dim;
  expectDim(ctx, B[B.length - 2] as Dim, k, `inner dimension of [${b.join(',')}] vs [${a.join(',')}]`);
  const batch = broadcastShapes([A.slice(0, -2), B.slice(0, -2)], (m) => ctx.fail(`batch dims: ${m}`));
  const out: Dim[] = [...batch];
  if (a.length > 1) out.push(A[A.length - 2] as Dim);
  if (b.length > 1) out.push(B[B.length - 1] as Dim);
  return out;
}

function matmulRule(ai: number, bi: number, dtype: (ctx: RuleContext) => DType | undefined): ShapeRule {
  return (ctx) => {
    const a = ctx.shape(ai);
    const b = ctx.shape(bi);
    return [{ dtype: dtype(ctx), shape: a === undefined || b === undefined ? undefined : matmulShape(ctx, a, b) }];
  };
}

interface Term {
  readonly letters: string;
  readonly ellipsis: number;
}

function parseTerm(ctx: RuleContext, text: string): Term {
  const at = text.indexOf('...');
  const letters = text.replace('...', '');
  if (!/^[a-zA-Z]*$/.test(letters)) ctx.fail(`bad Einsum term '${text}'`);
  return { letters, ellipsis: at < 0 ? -1 : at };
}

/** Einsum shape: letters bind dims (which must agree), '...' broadcasts. */
const einsum: ShapeRule = (ctx) => {
  const eq = ctx.node.attrString('equation', '').replace(/\s+/g, '');
  const [lhs = '', rhs] = eq.split('->');
  const terms = lhs.split(',').map((t) => parseTerm(ctx, t));
  const dims = new Map<string, Dim>();
  const counts = new Map<string, number>();
  const ellipses: Shape[] = [];
  for (let i = 0; i < terms.length; i++) {
    const s = ctx.shape(i);
    if (s === undefined) return [{ dtype: ctx.dtype(0) }];
    const t = terms[i] as Term;
    const extra = s.length - t.letters.length;
    if (extra < 0 || (extra > 0 && t.ellipsis < 0)) ctx.fail(`Einsum term '${t.letters}' does not match input ${i} of rank ${s.length}`);
    const at = t.ellipsis < 0 ? t.letters.length : t.ellipsis;
    ellipses.push(s.slice(at, at + extra));
    [...t.letters].forEach((ch, j) => {
      const d = s[j < at ? j : j + extra] as Dim;
      const prev = dims.get(ch);
      if (prev !== undefined && d !== 1 && prev !== 1) expectDim(ctx, d, prev, `Einsum index '${ch}'`);
      dims.set(ch, prev === undefined || prev === 1 ? d : mergeDim(prev, d));
      counts.set(ch, (counts.get(ch) ?? 0) + 1);
    });
  }
  const ell = broadcastShapes(ellipses, (m) => ctx.fail(`Einsum ellipsis: ${m}`));
  const out = rhs === undefined
    ? { letters: [...counts].filter(([, c]) => c === 1).map(([ch]) => ch).sort().join(''), ellipsis: 0 }
    : parseTerm(ctx, rhs);
  const shape: Dim[] = [...out.letters].map((ch) => {
    const d = dims.get(ch);
    if (d === undefined) return ctx.fail(`Einsum output index '${ch}' appears in no input`);
    return d;
  });
  if (out.ellipsis >= 0) shape.splice(out.ellipsis, 0, ...ell);
  return [{ dtype: ctx.dtype(0), shape }];
};

export const linalgRules: RuleTable = {
  Gemm: gemm,
  MatMul: matmulRule(0, 1, (ctx) => ctx.dtype(0)),
  MatMulInteger: matmulRule(0, 1, () => 'int32'),
  QLinearMatMul: matmulRule(0, 3, (ctx) => ctx.dtype(7) ?? ctx.dtype(0)),
  Einsum: einsum,
};
