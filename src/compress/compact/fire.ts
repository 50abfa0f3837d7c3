/**
 * conv → Fire module (SqueezeNet): a 1×1 squeeze conv to s = round(cout · squeezeRatio) channels + ReLU, then
 * a 1×1 expand ∥ a 3×3 expand (both with the original stride; e3 = round(cout · expand3x3Ratio) channels,
 * e1 = cout − e3), concatenated into the original cout channels. Paddings are chosen so both branches give
 * the original output size. Eligible: ungrouped, undilated 2-D convs with at least 2 output channels whose
 * output size both branches can reach without cropping.
 */
import { SlimnetError } from '../../ir/errors.js';
import { Tensor } from '../../ir/tensor.js';
import { costReason, padsFor, rewriteConvs } from './conv-select.js';
import { describeConv, producerName, replaceNode, zeroBias, type ConvInfo } from './graph-util.js';
import { defineRewrite } from './rule.js';

interface Branches {
  readonly p1: readonly [number, number, number, number];
  readonly p3: readonly [number, number, number, number];
}

function branchPads(c: ConvInfo): Branches | undefined {
  const pads = (k: number): [number, number, number, number] | undefined => {
    const h = padsFor(c.inH, c.outH, k, c.strides[0], c.pads[0]);
    const w = padsFor(c.inW, c.outW, k, c.strides[1], c.pads[1]);
    return h === undefined || w === undefined ? undefined : [h[0], w[0], h[1], w[1]];
  };
  const p1 = pads(1);
  const p3 = pads(3);
  return p1 === undefined || p3 === undefined ? undefined : { p1, p3 };
}

/** Squeeze and expand channel counts for `cout` output channels. */
function split(cout: number, sr: number, e3r: number): { s: number; e1: number; e3: number } {
  const s = Math.max(1, Math.round(cout * sr));
  const e3 = Math.min(cout - 1, Math.max(1, Math.round(cout * e3r)));
  return { s, e1: cout - e3, e3 };
}

function fraction(r: number, what: string): number {
  if (!(r > 0 && r < 1)) throw new SlimnetError('INVALID_ARGUMENT', `fire: ${what} must be in (0, 1), got ${r}`);
  return r;
}

export const fireRewrite = defineRewrite({
  options: {
    squeezeRatio: {
      type: 'number', placeholder: 'F', default: 0.125, min: 0, max: 1,
      description: 'squeeze channels / output channels, in (0, 1)',
    },
    expand3x3Ratio: {
      type: 'number', placeholder: 'F', default: 0.5, min: 0, max: 1,
      description: 'share of 3x3 expand channels, in (0, 1)',
    },
  },
  name: 'fire',
  summary: 'conv → Fire module: squeeze 1×1 + ReLU → expand 1×1 ∥ expand 3×3, concatenated (SqueezeNet)',
  fits: false,
  needsChange: true,
  apply(ctx, opts) {
    const sr = fraction(opts.squeezeRatio, 'squeezeRatio');
    const e3r = fraction(opts.expand3x3Ratio, 'expand3x3Ratio');
    return rewriteConvs(ctx, ctx.layers, (c, named) => {
      if (c.group !== 1) return `grouped conv (group ${c.group})`;
      if (c.dilations[0] !== 1 || c.dilations[1] !== 1) return 'dilated conv';
      if (c.cout < 2) return 'fewer than 2 output channels';
      if (branchPads(c) === undefined) return `the 1x1 and 3x3 expands cannot both produce ${c.outH}x${c.outW} from ${c.inH}x${c.inW} without cropping`;
      const { s, e1, e3 } = split(c.cout, sr, e3r);
      return named ? undefined : costReason(c, s * c.cin * c.inH * c.inW + (e1 + 9 * e3) * s * c.outH * c.outW, 'name the layer to rewrite it anyway');
    }, (c) => {
      const name = c.node.name;
      const m = ctx.make;
      const { p1, p3 } = branchPads(c) as Branches;
      const { s, e1, e3 } = split(c.cout, sr, e3r);
      const sq = m.conv(c.x, `${name}.squeeze`, m.convWeight(s, c.cin, 1, 1), Tensor.f32([s]), { kernel: [1, 1] });
      const squeeze = m.relu(sq, `${name}.squeeze_relu`);
      const x1 = m.conv(squeeze, `${name}.expand1x1`, m.convWeight(e1, s, 1, 1), zeroBias(c, e1), { kernel: [1, 1], strides: c.strides, pads: p1 });
      const x3 = m.conv(squeeze, `${name}.expand3x3`, m.convWeight(e3, s, 3, 3), zeroBias(c, e3), { kernel: [3, 3], strides: c.strides, pads: p3 });
      const y = m.b.op('Concat', [x1, x3], { axis: 1 }, { name: `${name}.concat` });
      const into = [producerName(sq), producerName(squeeze), producerName(x1), producerName(x3), producerName(y)];
      replaceNode(ctx.model.graph, c.node, y);
      return { layers: [name], into, detail: `${describeConv(c)} => fire: squeeze 1x1 ${c.cin}->${s} + ReLU, expand 1x1 ${s}->${e1} || 3x3 ${s}->${e3}` };
    });
  },
});
