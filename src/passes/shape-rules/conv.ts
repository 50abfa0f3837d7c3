/** Convolutions: Conv, ConvTranspose and their quantized forms ConvInteger / QLinearConv. */
import type { DType } from '../../ir/dtype.js';
import type { Dim, Shape } from '../../ir/shape.js';
import { expectDim } from './dims.js';
import type { RuleContext, RuleTable, ShapeRule } from './types.js';
import { forwardDim, readWindow, transposedDim } from './window.js';

interface Operands {
  readonly x: Shape;
  readonly w: Shape | undefined;
  readonly n: number;
  readonly group: number;
}

function operands(ctx: RuleContext, xi: number, wi: number): Operands | undefined {
  const x = ctx.shape(xi);
  if (x === undefined) return undefined;
  if (x.length < 3) ctx.fail(`input X should have rank >= 3 (N, C, spatial...), got [${x.join(',')}]`);
  const w = ctx.shape(wi);
  if (w !== undefined && w.length !== x.length) {
    ctx.fail(`weight rank ${w.length} does not match input rank ${x.length} ([${w.join(',')}] vs [${x.join(',')}])`);
  }
  const group = ctx.node.attrInt('group', 1);
  if (group < 1) ctx.fail(`group must be >= 1, got ${group}`);
  return { x, w, n: x.length - 2, group };
}

function mulDim(d: Dim | undefined, k: number): Dim {
  if (d === undefined) return null;
  return typeof d === 'number' ? d * k : k === 1 ? d : null;
}

function convShape(ctx: RuleContext, xi: number, wi: number): Shape | undefined {
  const ops = operands(ctx, xi, wi);
  if (ops === undefined) return undefined;
  const { x, w, n, group } = ops;
  expectDim(ctx, x[1] as Dim, mulDim(w?.[1], group), `input channels (weight [${w?.join(',')}] × group ${group})`);
  const outC = w?.[0] ?? null;
  if (typeof outC === 'number' && outC % group !== 0) ctx.fail(`output channels ${outC} not divisible by group ${group}`);
  const win = readWindow(ctx, n, w?.slice(2));
  const spatial = x.slice(2).map((d, i) => (win === undefined ? null : forwardDim(ctx, win, i, d)));
  return [x[0] as Dim, outC, ...spatial];
}

function convTransposeShape(ctx: RuleContext): Shape | undefined {
  const ops = operands(ctx, 0, 1);
  if (ops === undefined) return undefined;
  const { x, w, n, group } = ops;
  expectDim(ctx, x[1] as Dim, w?.[0] ?? null, `input channels (weight [${w?.join(',')}] dim 0)`);
  const outC = mulDim(w?.[1], group);
  const outputShape = ctx.node.attrInts('output_shape');
  if (outputShape !== undefined) {
    if (outputShape.length < n) ctx.fail(`output_shape [${outputShape.join(',')}] has fewer than ${n} spatial dims`);
    return [x[0] as Dim, outC, ...outputShape.slice(outputShape.length - n)];
  }
  const win = readWindow(ctx, n, w?.slice(2));
  const outPad = ctx.node.attrInts('output_padding', new Array<number>(n).fill(0));
  const spatial = x.slice(2).map((d, i) => (win === undefined ? null : transposedDim(win, i, d, outPad[i] ?? 0)));
  return [x[0] as Dim, outC, ...spatial];
}

function rule(xi: number, wi: number, dtype: (ctx: RuleContext) => DType | undefined): ShapeRule {
  return (ctx) => [{ dtype: dtype(ctx), shape: convShape(ctx, xi, wi) }];
}

export const convRules: RuleTable = {
  Conv: rule(0, 1, (ctx) => ctx.dtype(0)),
  ConvInteger: rule(0, 1, () => 'int32'),
  QLinearConv: rule(0, 3, (ctx) => ctx.dtype(7) ?? ctx.dtype(0)),
  ConvTranspose: (ctx) => [{ dtype: ctx.dtype(0), shape: convTransposeShape(ctx) }],
};
