/** Normalisation layers whose outputs beyond Y have their own shapes: BatchNormalization, LayerNormalization. */
import type { Dim } from '../../ir/shape.js';
import { expectDim, normAxis } from './dims.js';
import type { RuleTable, ShapeRule, ValueInfo } from './types.js';

/** Y has X's shape; the extra outputs (running / saved statistics, in training mode) are [C]. */
const batchNorm: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const dtype = ctx.dtype(0);
  const c = x === undefined || x.length < 2 ? null : (x[1] as Dim);
  for (let i = 1; i < Math.min(ctx.numInputs, 5); i++) {
    const s = ctx.shape(i);
    if (s === undefined) continue;
    if (s.length !== 1) ctx.fail(`input ${i} should be 1-D [C], got [${s.join(',')}]`);
    expectDim(ctx, s[0] as Dim, c, `input ${i} length vs channels of X [${x?.join(',')}]`);
  }
  const out: ValueInfo[] = [{ dtype, shape: x }];
  for (let i = 1; i < ctx.numOutputs; i++) out.push({ dtype: ctx.dtype(1) ?? dtype, shape: [c] });
  return out;
};

/** Y has X's shape; Mean and InvStdDev keep the leading `axis` dims and are 1 after. */
const layerNorm: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const dtype = ctx.dtype(0);
  const out: ValueInfo[] = [{ dtype, shape: x }];
  if (ctx.numOutputs > 1) {
    const stats = x === undefined ? undefined : stat(x, normAxis(ctx.node.attrInt('axis', -1), x.length, (m) => ctx.fail(m)));
    for (let i = 1; i < ctx.numOutputs; i++) out.push({ dtype: 'float32', shape: stats });
  }
  return out;
};

function stat(x: readonly Dim[], axis: number): Dim[] {
  return x.map((d, i) => (i < axis ? d : 1));
}

export const normRules: RuleTable = {
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
  GroupNormalization: (ctx) => [{ dtype: ctx.dtype(0), shape: ctx.shape(0) }],
};
