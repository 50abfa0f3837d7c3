/** Resize (scales or sizes, axes, keep_aspect_ratio_policy) and Upsample. */
import type { Dim, Shape } from '../../ir/shape.js';
import { normAxis, unknownShape } from './dims.js';
import type { RuleContext, RuleTable, ShapeRule } from './types.js';

function scaled(d: Dim, s: number): Dim {
  if (typeof d === 'number') return Math.floor(d * s);
  return s === 1 ? d : null;
}

function nonEmpty(ctx: RuleContext, i: number): readonly Dim[] | undefined | 'unknown' {
  if (!ctx.has(i)) return undefined;
  const v = ctx.value(i);
  if (v === undefined) return ctx.shape(i)?.[0] === 0 ? undefined : 'unknown';
  return v.length === 0 ? undefined : v;
}

function bySizes(ctx: RuleContext, x: Shape, sizes: readonly Dim[], axes: readonly number[]): Shape {
  const policy = ctx.node.attrString('keep_aspect_ratio_policy', 'stretch');
  const out: Dim[] = [...x];
  if (policy === 'stretch') {
    axes.forEach((a, k) => { out[a] = sizes[k] as Dim; });
    return out;
  }
  const ratios = axes.map((a, k) => {
    const [s, d] = [sizes[k], x[a]];
    return typeof s === 'number' && typeof d === 'number' ? s / d : NaN;
  });
  const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
  for (const a of axes) {
    const d = x[a] as Dim;
    out[a] = Number.isNaN(scale) || typeof d !== 'number' ? null : Math.round(d * scale);
  }
  return out;
}

const resize: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const dtype = ctx.dtype(0);
  if (x === undefined) return [{ dtype }];
  const fail = (m: string): never => ctx.fail(m);
  const axes = ctx.opset >= 18 ? ctx.node.attrInts('axes')?.map((a) => normAxis(a, x.length, fail)) : undefined;
  const all = axes ?? x.map((_, i) => i);
  const scales = nonEmpty(ctx, ctx.opset < 11 ? 1 : 2);
  const sizes = ctx.opset < 11 ? undefined : nonEmpty(ctx, 3);
  if (scales === 'unknown' || sizes === 'unknown') return [{ dtype, shape: unknownShape(x.length) }];
  const given = sizes ?? scales;
  if (given === undefined) return ctx.fail('Resize needs scales or sizes');
  if (given.length !== all.length) ctx.fail(`${sizes ? 'sizes' : 'scales'} [${given.join(',')}] should have ${all.length} entries`);
  if (sizes !== undefined) return [{ dtype, shape: bySizes(ctx, x, sizes, all) }];
  const out: Dim[] = [...x];
  all.forEach((a, k) => {
    const s = given[k];
    out[a] = typeof s === 'number' ? scaled(x[a] as Dim, s) : null;
  });
  return [{ dtype, shape: out }];
};

const upsample: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const dtype = ctx.dtype(0);
  if (x === undefined) return [{ dtype }];
  const scales = ctx.opset < 9 ? ctx.node.attrFloats('scales') : ctx.numbers(1);
  if (scales === undefined) return [{ dtype, shape: unknownShape(x.length) }];
  if (scales.length !== x.length) ctx.fail(`scales [${scales.join(',')}] should have ${x.length} entries`);
  return [{ dtype, shape: x.map((d, i) => scaled(d, scales[i] as number)) }];
};

export const resizeRules: RuleTable = { Resize: resize, Upsample: upsample };
