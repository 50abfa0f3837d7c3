/** Helpers shared by the methods: float32 weights, spectra, truncation error, conv stage attributes. */
import type { AttributeInput } from '../../../ir/attributes.js';
import { Tensor } from '../../../ir/tensor.js';
import type { ConvWindow } from '../../../passes/layer-geometry.js';
import type { Matrix } from '../../../util/linalg/matrix.js';
import { svd, type SVD } from '../../../util/linalg/svd.js';
import type { Spectrum } from './types.js';

export function f32(dims: readonly number[], data: ArrayLike<number>): Tensor {
  return Tensor.f32(dims, data);
}

export function spectrumOf(m: Matrix, decomposition: SVD = svd(m)): Spectrum {
  return { values: decomposition.s, rows: m.rows, cols: m.cols };
}

/** ‖W − W_R‖_F / ‖W‖_F of the best rank-R approximation, from the singular values. */
export function truncationError(s: Float64Array, rank: number): number {
  let total = 0;
  let tail = 0;
  s.forEach((x, i) => {
    total += x * x;
    if (i >= rank) tail += x * x;
  });
  return total === 0 ? 0 : Math.sqrt(tail / total);
}

/** Conv attributes: kernel [kh, kw], and the geometry given (group 1 unless stated). */
export function convAttrs(
  kernel: readonly [number, number], strides: readonly [number, number], pads: readonly [number, number, number, number],
  dilations: readonly [number, number], group = 1,
): Record<string, AttributeInput> {
  return { kernel_shape: [...kernel], strides: [...strides], pads: [...pads], dilations: [...dilations], group };
}

/** A 1×1 conv with no padding, stride 1. */
export function pointwise(): Record<string, AttributeInput> {
  return convAttrs([1, 1], [1, 1], [0, 0, 0, 0], [1, 1]);
}

/** The vertical (k×1) and horizontal (1×k) halves of a 2-D conv geometry. */
export function splitGeometry(g: ConvWindow): { vertical: ConvWindow; horizontal: ConvWindow } {
  return {
    vertical: { strides: [g.strides[0], 1], pads: [g.pads[0], 0, g.pads[2], 0], dilations: [g.dilations[0], 1] },
    horizontal: { strides: [1, g.strides[1]], pads: [0, g.pads[1], 0, g.pads[3]], dilations: [1, g.dilations[1]] },
  };
}
