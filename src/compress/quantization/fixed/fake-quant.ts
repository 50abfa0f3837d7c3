/**
 * Fixed-point fake quantization in the graph: y = Clip(Round(x / 2^-fl), lo, hi) * 2^-fl (or, at 8 bits,
 * QuantizeLinear / DequantizeLinear with the power-of-two scale 2^-fl, which computes the same values).
 * For training, Round gets a straight-through rule (ROUND_STE) and Clip's own rule zeroes the gradient
 * outside the range; weights use a WeightTransform whose backward is the clipped identity.
 */
import type { GradientRule } from '../../../autodiff/rule.js';
import type { GraphBuilder } from '../../../ir/builder.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import type { WeightTransform } from '../../../train/graph-edit.js';
import { intRange, type FixedFormat } from './fixed-point.js';

export interface FakeQuantOptions {
  /** At 8 bits, emit QuantizeLinear / DequantizeLinear instead of Div/Round/Clip/Mul (inference only). */
  readonly qdq?: boolean;
}

/** Appends the fake-quant nodes of x and returns the quantized value. */
export function addFakeQuant(b: GraphBuilder, x: Value, f: FixedFormat, name: string, opts: FakeQuantOptions = {}): Value {
  const step = 2 ** -f.fl;
  if (opts.qdq === true && f.bits === 8) {
    const scale = b.constant(step, [], `${name}/scale`);
    const zp = b.graph.addInitializer(b.graph.uniqueName(`${name}/zero_point`), new Tensor('int8', [], Int8Array.of(0)));
    const q = b.op('QuantizeLinear', [x, scale, zp], {}, { name: `${name}/quantize` });
    return b.op('DequantizeLinear', [q, scale, zp], {}, { name: `${name}/dequantize` });
  }
  const { lo, hi } = intRange(f.bits);
  const scaled = b.op('Div', [x, b.constant(step, [], `${name}/step`)], {}, { name: `${name}/scale` });
  const rounded = b.op('Round', [scaled], {}, { name: `${name}/round` });
  const clipped = b.op('Clip', [rounded, b.constant(lo, [], `${name}/lo`), b.constant(hi, [], `${name}/hi`)], {}, { name: `${name}/clip` });
  const y = b.op('Mul', [clipped, b.constant(step, [], `${name}/unscale`)], {}, { name: `${name}/dequantize` });
  y.dtype = x.dtype;
  y.shape = x.shape;
  return y;
}

/** Straight-through gradient rule for Round (identity), for training graphs with activation fake-quant. */
export const ROUND_STE: GradientRule = (c) => [c.dOut()];

/** Weight fake-quant with the STE: gradient passed through inside the clip range, zero outside. */
export function fixedWeightTransform(f: FixedFormat, name: string): WeightTransform {
  const { lo, hi } = intRange(f.bits);
  const step = 2 ** -f.fl;
  return {
    forward: (b, w) => addFakeQuant(b, w, f, `${name}/wq`),
    backward: (b, d, w) => {
      const inside = b.op('And', [
        b.op('GreaterOrEqual', [w, b.constant(lo * step, [], `${name}/wq/ste_lo`)]),
        b.op('LessOrEqual', [w, b.constant(hi * step, [], `${name}/wq/ste_hi`)]),
      ]);
      const g = b.op('Where', [inside, d, b.constant(0, [], `${name}/wq/ste_zero`)], {}, { name: `${name}/wq/ste` });
      g.dtype = w.dtype;
      g.shape = w.shape;
      return g;
    },
  };
}
