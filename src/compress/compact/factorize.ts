/**
 * k×k conv → 1×k conv → k×1 conv (spatial factorisation, as in Inception-v3 / Jaderberg et al.): the first
 * conv takes the horizontal stride, padding and dilation and maps cin → mid channels, the second the
 * vertical ones and maps mid → cout. Per output pixel (stride 1) the MACs go from cin·cout·k² to
 * mid·k·(cin + cout): for mid = cout = cin, k/2 times fewer.
 * 'fit' (mid = cout): filter o becomes a vertical profile u_o (the second conv, diagonal) times a horizontal
 * filter u_oᵀ·W_o (the first conv), where u_o is the leading left singular vector of W_o viewed as a
 * [kh, cin·kw] matrix: exact when every filter is rank-1 separable in that sense.
 */
import { SlimnetError } from '../../ir/errors.js';
import { Tensor } from '../../ir/tensor.js';
import { costReason, rewriteConvs } from './conv-select.js';
import { describeConv, producerName, replaceNode, zeroBias, type ConvInfo } from './graph-util.js';
import { defineRewrite } from './rule.js';

/** Leading eigenvector of a small symmetric PSD matrix (row-major n×n) by power iteration. */
function leadingEigenvector(a: Float64Array, n: number): Float64Array {
  let v = new Float64Array(n).map((_, i) => 1 + i * 1e-3);
  for (let it = 0; it < 200; it++) {
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) next[i] = (next[i] as number) + (a[i * n + j] as number) * (v[j] as number);
    const norm = Math.hypot(...next);
    if (norm === 0) return new Float64Array(n).map((_, i) => (i === 0 ? 1 : 0));
    const done = next.every((x, i) => Math.abs(x / norm - (v[i] as number)) < 1e-12);
    v = next.map((x) => x / norm);
    if (done) break;
  }
  return v;
}

/** The rank-1 fit of every filter: vertical profiles [cout, kh], horizontal filters [cout, cin, kw], mean relative error. */
function fitFilters(c: ConvInfo): { vertical: Float64Array; horizontal: Float64Array; error: number } {
  const { cin, cout, kh, kw } = c;
  const w = c.weight.data as Float32Array;
  const cols = cin * kw;
  const vertical = new Float64Array(cout * kh);
  const horizontal = new Float64Array(cout * cols);
  let errSum = 0;
  for (let o = 0; o < cout; o++) {
    const m = (y: number, col: number): number => w[((o * cin + Math.floor(col / kw)) * kh + y) * kw + (col % kw)] as number;
    const gram = new Float64Array(kh * kh);
    for (let y1 = 0; y1 < kh; y1++) for (let y2 = 0; y2 < kh; y2++) {
      let s = 0;
      for (let col = 0; col < cols; col++) s += m(y1, col) * m(y2, col);
      gram[y1 * kh + y2] = s;
    }
    const u = leadingEigenvector(gram, kh);
    vertical.set(u, o * kh);
    let total = 0;
    let resid = 0;
    for (let col = 0; col < cols; col++) {
      let h = 0;
      for (let y = 0; y < kh; y++) h += (u[y] as number) * m(y, col);
      horizontal[o * cols + col] = h;
      for (let y = 0; y < kh; y++) {
        total += m(y, col) ** 2;
        resid += (m(y, col) - (u[y] as number) * h) ** 2;
      }
    }
    errSum += total === 0 ? 0 : Math.sqrt(resid / total);
  }
  return { vertical, horizontal, error: errSum / cout };
}

export const factorizeRewrite = defineRewrite({
  options: {
    midChannels: {
      type: 'integer', placeholder: 'N', description: 'intermediate channels (default: the output channels)', min: 1,
    },
  },
  name: 'factorize',
  summary: 'k×k conv → 1×k conv → k×1 conv (spatial factorisation)',
  fits: true,
  needsChange: true,
  apply(ctx, opts) {
    if (opts.midChannels !== undefined && !(Number.isInteger(opts.midChannels) && opts.midChannels >= 1)) {
      throw new SlimnetError('INVALID_ARGUMENT', `factorize: midChannels must be a positive integer, got ${opts.midChannels}`);
    }
    return rewriteConvs(ctx, ctx.layers, (c, named) => {
      if (c.group !== 1) return `grouped conv (group ${c.group})`;
      if (c.kh < 2 || c.kw < 2) return `a ${c.kh}x${c.kw} kernel is already one-dimensional`;
      if (ctx.init === 'fit' && opts.midChannels !== undefined && opts.midChannels !== c.cout) return `init 'fit' needs midChannels = the output channels (${c.cout})`;
      const mid = opts.midChannels ?? c.cout;
      return named ? undefined : costReason(c, mid * c.cin * c.kw * c.inH * c.outW + c.cout * mid * c.kh * c.outH * c.outW, 'name the layer or give midChannels');
    }, (c) => {
      const name = c.node.name;
      const m = ctx.make;
      const mid = opts.midChannels ?? c.cout;
      let hw: Tensor;
      let vw: Tensor;
      let bias = zeroBias(c);
      let note = '';
      if (ctx.init === 'fit') {
        const fit = fitFilters(c);
        hw = Tensor.f32([c.cout, c.cin, 1, c.kw], fit.horizontal);
        vw = Tensor.f32([c.cout, c.cout, c.kh, 1]);
        for (let o = 0; o < c.cout; o++) for (let y = 0; y < c.kh; y++) (vw.data as Float32Array)[(o * c.cout + o) * c.kh + y] = fit.vertical[o * c.kh + y] as number;
        bias = c.bias?.clone();
        note = ` (rank-1 fit, mean relative error ${fit.error.toExponential(2)})`;
      } else {
        hw = m.convWeight(mid, c.cin, 1, c.kw);
        vw = m.convWeight(c.cout, mid, c.kh, 1);
      }
      const h = m.conv(c.x, `${name}.1xk`, hw, undefined, {
        kernel: [1, c.kw], strides: [1, c.strides[1]], pads: [0, c.pads[1], 0, c.pads[3]], dilations: [1, c.dilations[1]],
      });
      const v = m.conv(h, `${name}.kx1`, vw, bias, {
        kernel: [c.kh, 1], strides: [c.strides[0], 1], pads: [c.pads[0], 0, c.pads[2], 0], dilations: [c.dilations[0], 1],
      });
      const into = [producerName(h), producerName(v)];
      replaceNode(ctx.model.graph, c.node, v);
      return { layers: [name], into, detail: `${describeConv(c)} => 1x${c.kw} ${c.cin}->${mid} + ${c.kh}x1 ${mid}->${c.cout}${note}` };
    });
  },
});
