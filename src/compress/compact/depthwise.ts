/**
 * conv → depthwise separable (MobileNet): a k×k depthwise conv with the original stride, padding and
 * dilation, BatchNorm + ReLU (optional), and a 1×1 pointwise conv to the original output channels (with a
 * zero bias where the original had one). Eligible: ungrouped 2-D convs with a spatial kernel and more than one input channel.
 */
import { describeConv, producerName, replaceNode, zeroBias } from './graph-util.js';
import { rewriteConvs } from './conv-select.js';
import { defineRewrite } from './rule.js';

export const depthwiseRewrite = defineRewrite({
  options: {
    noActivation: {
      type: 'boolean', description: 'no BatchNorm + ReLU between the depthwise and pointwise convs', default: false,
    },
  },
  name: 'depthwise',
  summary: 'k×k conv → depthwise k×k + BN + ReLU + pointwise 1×1 (MobileNet)',
  fits: false,
  needsChange: true,
  apply(ctx, opts) {
    const activation = !opts.noActivation;
    return rewriteConvs(ctx, ctx.layers, (c) => {
      if (c.group !== 1) return `already grouped (group ${c.group})`;
      if (c.kh * c.kw === 1) return 'a 1x1 conv is already pointwise';
      if (c.cin === 1) return 'one input channel: the conv is already as cheap as a depthwise one';
      return undefined;
    }, (c) => {
      const name = c.node.name;
      const m = ctx.make;
      let y = m.conv(c.x, `${name}.dw`, m.convWeight(c.cin, 1, c.kh, c.kw), undefined, {
        kernel: [c.kh, c.kw], strides: c.strides, pads: c.pads, dilations: c.dilations, group: c.cin,
      });
      const into = [producerName(y)];
      if (activation) {
        y = m.batchNorm(y, `${name}.dw_bn`, c.cin);
        into.push(producerName(y));
        y = m.relu(y, `${name}.dw_relu`);
        into.push(producerName(y));
      }
      y = m.conv(y, `${name}.pw`, m.convWeight(c.cout, c.cin, 1, 1), zeroBias(c), { kernel: [1, 1] });
      into.push(producerName(y));
      replaceNode(ctx.model.graph, c.node, y);
      return { layers: [name], into, detail: `${describeConv(c)} => dw ${c.kh}x${c.kw}${activation ? ' + BN + ReLU' : ''} + pw 1x1 ${c.cin}->${c.cout}` };
    });
  },
});
