/** Recurrent layers: LSTM, GRU, RNN. Y is [seq, num_directions, batch, hidden] (layout 0). */
import type { Dim } from '../../ir/shape.js';
import { expectDim } from './dims.js';
import type { RuleContext, RuleTable, ShapeRule, ValueInfo } from './types.js';

function hiddenSize(ctx: RuleContext, gates: number): Dim {
  const h = ctx.node.attrInt('hidden_size');
  if (h !== undefined) return h;
  const r = ctx.shape(2);
  const rows = r?.[1];
  return typeof rows === 'number' ? rows / gates : null;
}

function recurrent(gates: number, outputs: number): ShapeRule {
  return (ctx) => {
    const x = ctx.shape(0);
    const dtype = ctx.dtype(0);
    if (x !== undefined && x.length !== 3) ctx.fail(`input X should be rank 3, got [${x.join(',')}]`);
    const direction = ctx.node.attrString('direction', 'forward');
    if (!['forward', 'reverse', 'bidirectional'].includes(direction)) ctx.fail(`unknown direction '${direction}'`);
    const dirs = direction === 'bidirectional' ? 2 : 1;
    const hidden = hiddenSize(ctx, gates);
    const w = ctx.shape(1);
    if (w !== undefined) {
      expectDim(ctx, w[0] ?? null, dirs, `W [${w.join(',')}] num_directions`);
      expectDim(ctx, w[1] ?? null, typeof hidden === 'number' ? gates * hidden : null, `W [${w.join(',')}] rows (${gates}·hidden_size)`);
      if (x !== undefined) expectDim(ctx, w[2] ?? null, x[2] ?? null, `W [${w.join(',')}] input size vs X [${x.join(',')}]`);
    }
    const batchFirst = ctx.node.attrInt('layout', 0) === 1;
    const seq = x === undefined ? null : ((batchFirst ? x[1] : x[0]) as Dim);
    const batch = x === undefined ? null : ((batchFirst ? x[0] : x[1]) as Dim);
    const y = batchFirst ? [batch, seq, dirs, hidden] : [seq, dirs, batch, hidden];
    const state = batchFirst ? [batch, dirs, hidden] : [dirs, batch, hidden];
    const out: ValueInfo[] = [{ dtype, shape: y }];
    for (let i = 1; i < Math.min(outputs, ctx.numOutputs); i++) out.push({ dtype, shape: state });
    return out;
  };
}

export const rnnRules: RuleTable = {
  LSTM: recurrent(4, 3),
  GRU: recurrent(3, 2),
  RNN: recurrent(1, 2),
};
