/**
 * conv → grouped conv + channel shuffle (ShuffleNet): the conv keeps its kernel, stride and padding but
 * splits its channels into `groups` groups (MACs and weights / groups); a channel shuffle (Reshape,
 * Transpose, Reshape) follows so that the next grouped layer mixes information across groups.
 * 'fit' keeps the original weights of each group's diagonal block, rows ordered so that after the shuffle
 * every position holds the original channel: exact when the original weight is already block-structured.
 */
import { SlimnetError } from '../../ir/errors.js';
import { Tensor } from '../../ir/tensor.js';
import { channelShuffle, shuffledPosition } from '../../zoo/shuffle.js';
import { rewriteConvs } from './conv-select.js';
import { describeConv, producerName, replaceNode, zeroBias, type ConvInfo } from './graph-util.js';
import { defineRewrite } from './rule.js';

/** Row q of the grouped weight = original filter shuffledPosition(q), restricted to group(q)'s input block. */
function fittedWeight(c: ConvInfo, groups: number): { weight: Tensor; bias: Tensor | undefined } {
  const cg = c.cin / groups;
  const rows = c.cout / groups;
  const kk = c.kh * c.kw;
  const src = c.weight.data as Float32Array;
  const w = Tensor.f32([c.cout, cg, c.kh, c.kw]);
  const dst = w.data as Float32Array;
  const bias = c.bias === undefined ? undefined : Tensor.f32([c.cout]);
  const srcBias = c.bias?.toFloat32();
  for (let q = 0; q < c.cout; q++) {
    const p = shuffledPosition(q, c.cout, groups);
    const g = Math.floor(q / rows);
    for (let j = 0; j < cg; j++) {
      dst.set(src.subarray((p * c.cin + g * cg + j) * kk, (p * c.cin + g * cg + j + 1) * kk), (q * cg + j) * kk);
    }
    if (bias !== undefined && srcBias !== undefined) (bias.data as Float32Array)[q] = srcBias[p] as number;
  }
  return { weight: w, bias };
}

export const shuffleRewrite = defineRewrite({
  options: {
    groups: {
      type: 'integer', placeholder: 'G', default: 4, min: 2,
      description: 'groups; layers whose channels it does not divide are skipped',
    },
  },
  name: 'shuffle',
  summary: 'conv → grouped conv + channel shuffle (ShuffleNet)',
  fits: true,
  needsChange: true,
  apply(ctx, opts) {
    const groups = opts.groups;
    if (!Number.isInteger(groups) || groups < 2) throw new SlimnetError('INVALID_ARGUMENT', `shuffle: groups must be an integer >= 2, got ${groups}`);
    return rewriteConvs(ctx, ctx.layers, (c) => {
      if (c.group !== 1) return `already grouped (group ${c.group})`;
      if (c.cin % groups !== 0 || c.cout % groups !== 0) return `${groups} groups do not divide ${c.cin} input and ${c.cout} output channels`;
      return undefined;
    }, (c) => {
      const name = c.node.name;
      const m = ctx.make;
      const fitted = ctx.init === 'fit' ? fittedWeight(c, groups) : { weight: m.convWeight(c.cout, c.cin / groups, c.kh, c.kw), bias: zeroBias(c) };
      const conv = m.conv(c.x, `${name}.gconv`, fitted.weight, fitted.bias, {
        kernel: [c.kh, c.kw], strides: c.strides, pads: c.pads, dilations: c.dilations, group: groups,
      });
      const y = channelShuffle(m.b, conv, groups, [c.cout, c.outH, c.outW], name, c.x.shape?.[0] ?? 'N');
      const merge = producerName(y);
      const split = y.producer?.inputs[0]?.producer?.inputs[0]?.producer?.name ?? '';
      const transpose = y.producer?.inputs[0]?.producer?.name ?? '';
      replaceNode(ctx.model.graph, c.node, y);
      return { layers: [name], into: [producerName(conv), split, transpose, merge], detail: `${describeConv(c)} => ${c.kh}x${c.kw} g${groups} + channel shuffle` };
    });
  },
});
