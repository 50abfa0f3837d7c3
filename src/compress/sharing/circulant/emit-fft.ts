/**
 * The FFT form of a circulant layer as ONNX nodes (DFT opset 17 / 20):
 *   X = DFT(pad(D ⊙ x, d), one-sided)       [N, d/2+1, 2]     (real input: half spectrum)
 *   R = c ⊙ DFT(r, one-sided)               [1, d/2+1, 2]     (c = 1 at k = 0 and k = d/2, else 2)
 *   y = Re(IDFT_d(X ⊙ R))[:, :out]          (complex product; IDFT zero-pads the half spectrum to d)
 * Re(IDFT of c-weighted half spectrum) equals the real inverse of the full Hermitian spectrum, so no
 * mirrored half is built. R depends only on r: onnxruntime folds it at load time in an inference model.
 */
import type { GraphBuilder } from '../../../ir/builder.js';
import { dtypeToOnnx } from '../../../ir/dtype.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';

/** What `emitFftLayer` builds: the node-name prefix, feature sizes, circulant size d and the opset. */
export interface FftLayerSpec {
  readonly prefix: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly size: number;
  /** ONNX opset (DFT's axis is an attribute before 20, an input from 20). */
  readonly opset: number;
}

/** The int8 weights c_k of the half spectrum (1 at DC and, for even d, at Nyquist; 2 elsewhere). */
export function halfSpectrumWeights(d: number): Int8Array {
  const h = Math.floor(d / 2) + 1;
  return Int8Array.from({ length: h }, (_, k) => (k === 0 || (d % 2 === 0 && k === d / 2) ? 1 : 2));
}

/** Emits y [N, out] from x [N, in] (float32 or float64), the vector r [1, d, 1] and the int8 signs D [in]. */
export function emitFftLayer(b: GraphBuilder, s: FftLayerSpec, x: Value, r: Value, signs: Value): Value {
  const { prefix, inFeatures: n, outFeatures: m, size: d } = s;
  const h = Math.floor(d / 2) + 1;
  const ints = (name: string, v: readonly number[]): Value => b.constInt64([...v], [v.length], `${prefix}/${name}`);
  const op = (type: string, ins: ReadonlyArray<Value | undefined>, name: string, attrs: Record<string, number> = {}): Value =>
    b.op(type, ins, attrs, { name: `${prefix}/${name}` });
  const dft = (input: Value, name: string, attrs: Record<string, number>, length?: Value): Value => (s.opset >= 20
    ? op('DFT', [input, length, b.constInt64([1], [], `${prefix}/axis`)], name, attrs)
    : op('DFT', [input, length], name, { ...attrs, axis: 1 }));
  const part = (v: Value, k: number, name: string): Value => op('Slice', [v, ints('re_im_start', [k]), ints('re_im_end', [k + 1]), ints('re_im_axis', [2])], name);

  const to = dtypeToOnnx(x.dtype === 'float64' ? 'float64' : 'float32');
  let xs = op('Mul', [x, op('Cast', [signs], 'signs', { to })], 'signed_x');
  if (d > n) xs = op('Pad', [xs, ints('pads', [0, 0, 0, d - n])], 'padded_x');
  const spectrum = dft(op('Unsqueeze', [xs, ints('unsqueeze_axes', [2])], 'x3'), 'x_dft', { onesided: 1 });
  const weights = b.initializer(`${prefix}/half_weights`, new Tensor('int8', [1, h, 1], halfSpectrumWeights(d)));
  const filter = op('Mul', [dft(r, 'r_dft', { onesided: 1 }), op('Cast', [weights], 'half_weights_f', { to })], 'r_spectrum');
  const [xr, xi, rr, ri] = [part(spectrum, 0, 'x_re'), part(spectrum, 1, 'x_im'), part(filter, 0, 'r_re'), part(filter, 1, 'r_im')];
  const zr = op('Sub', [op('Mul', [xr, rr], 'xr_rr'), op('Mul', [xi, ri], 'xi_ri')], 'z_re');
  const zi = op('Add', [op('Mul', [xr, ri], 'xr_ri'), op('Mul', [xi, rr], 'xi_rr')], 'z_im');
  const z = op('Concat', [zr, zi], 'z', { axis: 2 });
  const full = dft(z, 'y_idft', { inverse: 1 }, b.constInt64([d], [], `${prefix}/size`));
  const y3 = op('Slice', [full, ints('out_start', [0, 0]), ints('out_end', [m, 1]), ints('out_axes', [1, 2])], 'y3');
  return op('Reshape', [y3, ints('out_shape', [-1, m])], 'y');
}
