/** Pooling: MaxPool / AveragePool / LpPool (windowed), the Global* forms, and MaxUnpool. */
import type { Dim, Shape } from '../../ir/shape.js';
import type { RuleContext, RuleTable, ShapeRule } from './types.js';
import { forwardDim, readWindow, transposedDim } from './window.js';

function spatialInput(ctx: RuleContext): Shape | undefined {
  const x = ctx.shape(0);
  if (x !== undefined && x.length < 3) ctx.fail(`input X should have rank >= 3 (N, C, spatial...), got [${x.join(',')}]`);
  return x;
}

const pool: ShapeRule = (ctx) => {
  const x = spatialInput(ctx);
  let shape: Shape | undefined;
  if (x !== undefined) {
    const win = readWindow(ctx, x.length - 2);
    if (win === undefined) return ctx.fail('kernel_shape is required');
    shape = [x[0] as Dim, x[1] as Dim, ...x.slice(2).map((d, i) => forwardDim(ctx, win, i, d))];
  }
  const out = [{ dtype: ctx.dtype(0), shape }];
  if (ctx.numOutputs > 1) out.push({ dtype: 'int64', shape });
  return out;
};

const globalPool: ShapeRule = (ctx) => {
  const x = spatialInput(ctx);
  const shape = x === undefined ? undefined : [x[0] as Dim, x[1] as Dim, ...x.slice(2).map(() => 1)];
  return [{ dtype: ctx.dtype(0), shape }];
};

const maxUnpool: ShapeRule = (ctx) => {
  const x = spatialInput(ctx);
  const dtype = ctx.dtype(0);
  if (ctx.has(2)) {
    const given = ctx.value(2);
    return [{ dtype, shape: given ?? (x === undefined ? undefined : x.map(() => null)) }];
  }
  if (x === undefined) return [{ dtype }];
  const win = readWindow(ctx, x.length - 2);
  if (win === undefined) return ctx.fail('kernel_shape is required');
  return [{ dtype, shape: [x[0] as Dim, x[1] as Dim, ...x.slice(2).map((d, i) => transposedDim(win, i, d))] }];
};

export const poolRules: RuleTable = {
  MaxPool: pool,
  AveragePool: pool,
  LpPool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
  MaxUnpool: maxUnpool,
};
