/**
 * Gradient of DFT (opset 17: `axis` attribute; opset 20: `axis` input). The DFT is linear: with complex
 * values stored as [..., 2] (real, imaginary) and ḡ the output gradient read as a complex tensor,
 *   forward  y = F x        ⇒  dx = Fᴴ ḡ = n · IDFT(ḡ)
 *   inverse  y = Fᴴ x / n   ⇒  dx = F ḡ / n = DFT(ḡ) / n
 * A one-sided output (real input) is zero-padded back to n bins before the adjoint; a real input keeps the
 * real part of the result; `dft_length` padding / truncation of the input is undone by slicing / padding.
 */
import { UnsupportedOpError } from '../../ir/errors.js';
import type { Value } from '../../ir/value.js';
import type { GradContext, GradientRule, GradientTable } from '../rule.js';
import { dimOf, normAxis, rankOf, requireConst } from './helpers.js';

/** The DFT axis: attribute (default 1) before opset 20, optional constant input (default -2) from 20. */
function dftAxis(c: GradContext, rank: number): number {
  if (c.opset < 20) return normAxis(c.node.attrInt('axis', 1), rank);
  const given = c.node.inputs[2] === undefined ? undefined : requireConst(c, 2, 'axis')[0];
  return normAxis(given ?? -2, rank);
}

/** A full (two-sided, complex) DFT of g along `axis` in the opset's form. */
function emitDft(c: GradContext, g: Value, axis: number, inverse: boolean): Value {
  const attrs = { inverse: inverse ? 1 : 0, onesided: 0 };
  if (c.opset < 20) return c.op('DFT', [g], { ...attrs, axis });
  return c.op('DFT', [g, undefined, c.b.constInt64([axis], [], `grad/${c.node.name}/axis`)], attrs);
}

/** Pads `x` with zeros at the end of `axis` by `extra` entries. */
function padEnd(c: GradContext, x: Value, rank: number, axis: number, extra: number): Value {
  const pads = new Array<number>(2 * rank).fill(0);
  pads[rank + axis] = extra;
  return c.op('Pad', [x, c.ints(pads)]);
}

const dft: GradientRule = (c) => {
  const d = c.dOut();
  if (d === undefined || !c.needs(0)) return [];
  const x = c.node.input(0);
  const rank = rankOf(c, x);
  const axis = dftAxis(c, rank);
  const inverse = c.node.attrInt('inverse', 0) === 1;
  const onesided = c.node.attrInt('onesided', 0) === 1;
  if (onesided && inverse) throw new UnsupportedOpError('DFT', c.node.name, 'a gradient of a one-sided inverse DFT');
  const len = dimOf(c, x, axis);
  const n = c.node.inputs[1] === undefined ? len : (requireConst(c, 1, 'dft_length')[0] as number);
  const real = dimOf(c, x, rank - 1) === 1;
  let g = d;
  if (onesided) g = padEnd(c, g, rank, axis, n - (Math.floor(n / 2) + 1));
  g = c.op('Mul', [emitDft(c, g, axis, !inverse), c.scalar(inverse ? 1 / n : n)]);
  const keep = Math.min(len, n);
  const [starts, ends, axes] = [[0], [keep], [axis]];
  if (real) starts.push(0), ends.push(1), axes.push(rank - 1);
  if (keep < n || real) g = c.op('Slice', [g, c.ints(starts), c.ints(ends), c.ints(axes)]);
  if (len > n) g = padEnd(c, g, rank, axis, len - n);
  return [g];
};

export const signalRules: GradientTable = { DFT: dft };
