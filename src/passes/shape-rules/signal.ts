/** Signal and scatter ops: DFT (opset 17 / 20), ScatterND and ScatterElements (output shaped like the data). */
import type { Dim } from '../../ir/shape.js';
import { normAxis } from './dims.js';
import type { RuleTable, ShapeRule } from './types.js';

/** DFT: the transformed axis becomes dft_length (or n/2 + 1 bins one-sided); the last axis becomes 2. */
const dft: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const dtype = ctx.dtype(0);
  if (x === undefined) return [{ dtype }];
  if (x.length < 2) ctx.fail(`DFT input needs rank >= 2 ([..., signal, 1 or 2]), got rank ${x.length}`);
  const last = x[x.length - 1];
  if (typeof last === 'number' && last !== 1 && last !== 2) ctx.fail(`DFT input's last dimension must be 1 (real) or 2 (complex), got ${last}`);
  const axisIn = ctx.opset >= 20 ? (ctx.has(2) ? ctx.numbers(2)?.[0] : -2) : ctx.node.attrInt('axis', 1);
  const out: Dim[] = [...x];
  out[out.length - 1] = 2;
  if (axisIn === undefined) return [{ dtype, shape: out.map((d, i) => (i === out.length - 1 ? d : null)) }];
  const axis = normAxis(axisIn, x.length, (m) => ctx.fail(m));
  if (axis === x.length - 1) ctx.fail('DFT axis cannot be the last (real / imaginary) dimension');
  const given = ctx.has(1) ? ctx.numbers(1)?.[0] : undefined;
  const n: Dim = ctx.has(1) ? (given ?? null) : (x[axis] as Dim);
  const onesided = ctx.node.attrInt('onesided', 0) === 1;
  out[axis] = onesided ? (typeof n === 'number' ? Math.floor(n / 2) + 1 : null) : n;
  return [{ dtype, shape: out }];
};

const likeData: ShapeRule = (ctx) => [{ dtype: ctx.dtype(0), shape: ctx.shape(0) }];

export const signalRules: RuleTable = { DFT: dft, ScatterND: likeData, ScatterElements: likeData };
