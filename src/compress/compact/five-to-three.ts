/**
 * 5×5 conv → two stacked 3×3 convs (VGG / Inception-v3), generally k×k (odd k ≥ 5) → (k − 1)/2 stacked 3×3
 * convs with ReLU between: the same receptive field and output size, fewer weights and MACs (5×5: 25 → 18
 * per channel pair at mid = cout = cin). The original stride goes to the last conv; its padding is spread one
 * pixel per side per conv, the remainder to the last. Intermediate convs have `midChannels` channels.
 */
import { SlimnetError } from '../../ir/errors.js';
import { Tensor } from '../../ir/tensor.js';
import type { Value } from '../../ir/value.js';
import { costReason, rewriteConvs } from './conv-select.js';
import { describeConv, producerName, replaceNode, zeroBias, type ConvInfo } from './graph-util.js';
import { defineRewrite } from './rule.js';

type Pads = [number, number, number, number];

/** Pads of each of the n 3×3 convs: one pixel per side while the original padding lasts, the rest last. */
function stackPads(pads: readonly number[], n: number): Pads[] {
  const left = [...pads];
  return Array.from({ length: n }, (_, i) => left.map((p, s) => {
    const take = i === n - 1 ? p : Math.min(1, p);
    left[s] = p - take;
    return take;
  }) as Pads);
}

/** Whether every conv of the stack sees at least a 3×3 window (its padded input). */
function fits(c: ConvInfo, pads: readonly Pads[]): boolean {
  let h = c.inH;
  let w = c.inW;
  for (const p of pads) {
    h += p[0] + p[2];
    w += p[1] + p[3];
    if (h < 3 || w < 3) return false;
    h -= 2;
    w -= 2;
  }
  return true;
}

/** MACs of the 3×3 stack (stride on the last conv). */
function stackMacs(c: ConvInfo, pads: readonly Pads[], mid: number): number {
  let [h, w] = [c.inH, c.inW];
  let macs = 0;
  pads.forEach((p, i) => {
    const last = i === pads.length - 1;
    const [sh, sw] = last ? c.strides : [1, 1];
    h = Math.floor((h + p[0] + p[2] - 3) / sh) + 1;
    w = Math.floor((w + p[1] + p[3] - 3) / sw) + 1;
    macs += (last ? c.cout : mid) * (i === 0 ? c.cin : mid) * 9 * h * w;
  });
  return macs;
}

export const fiveToThreeRewrite = defineRewrite({
  options: {
    midChannels: {
      type: 'integer', placeholder: 'N', description: 'intermediate channels (default: the output channels)', min: 1,
    },
    noActivation: { type: 'boolean', description: 'no ReLU between the 3x3 convs', default: false },
  },
  name: '5x5-to-3x3',
  summary: '5×5 conv → two 3×3 convs with ReLU between (k×k, odd k ≥ 5 → (k−1)/2 3×3 convs)',
  fits: false,
  needsChange: true,
  apply(ctx, opts) {
    if (opts.midChannels !== undefined && !(Number.isInteger(opts.midChannels) && opts.midChannels >= 1)) {
      throw new SlimnetError('INVALID_ARGUMENT', `5x5-to-3x3: midChannels must be a positive integer, got ${opts.midChannels}`);
    }
    const relu = !opts.noActivation;
    return rewriteConvs(ctx, ctx.layers, (c, named) => {
      if (c.group !== 1) return `grouped conv (group ${c.group})`;
      if (c.dilations[0] !== 1 || c.dilations[1] !== 1) return 'dilated conv';
      if (c.kh !== c.kw || c.kh < 5 || c.kh % 2 === 0) return `a ${c.kh}x${c.kw} kernel (needs a square odd kernel of 5 or more)`;
      const pads = stackPads(c.pads, (c.kh - 1) / 2);
      if (!fits(c, pads)) return 'the input is too small for the 3x3 stack';
      return named ? undefined : costReason(c, stackMacs(c, pads, opts.midChannels ?? c.cout), 'name the layer or give midChannels');
    }, (c) => {
      const name = c.node.name;
      const m = ctx.make;
      const n = (c.kh - 1) / 2;
      const mid = opts.midChannels ?? c.cout;
      const pads = stackPads(c.pads, n);
      const into: string[] = [];
      let y: Value = c.x;
      for (let i = 0; i < n; i++) {
        const last = i === n - 1;
        const cin = i === 0 ? c.cin : mid;
        const cout = last ? c.cout : mid;
        y = m.conv(y, `${name}.3x3_${i + 1}`, m.convWeight(cout, cin, 3, 3), last ? zeroBias(c) : Tensor.f32([cout]), {
          kernel: [3, 3], pads: pads[i] as Pads, ...(last ? { strides: c.strides } : {}),
        });
        into.push(producerName(y));
        if (!last && relu) {
          y = m.relu(y, `${name}.relu_${i + 1}`);
          into.push(producerName(y));
        }
      }
      replaceNode(ctx.model.graph, c.node, y);
      return { layers: [name], into, detail: `${describeConv(c)} => ${n} x 3x3 (${c.cin}->${mid}${n > 2 ? `->...` : ''}->${c.cout})${relu ? ' with ReLU between' : ''}` };
    });
  },
});
