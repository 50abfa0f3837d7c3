/**
 * Test and example fixtures: one-layer models (Conv / Gemm / MatMul) with given weights and geometry, and
 * random kernels of exact low rank in each method's sense (Jaderberg separable rank, CP rank, Tucker-2
 * multilinear rank), so a factorisation at that rank must reproduce the layer.
 */
import { GraphBuilder } from '../../ir/builder.js';
import type { Model } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { matmul, matrix, type Matrix } from '../../util/linalg/matrix.js';
import { cpCompose, modeProduct, type DenseTensor } from '../../util/linalg/tensor.js';
import { Rng } from '../../util/rng.js';

export interface ConvFixture {
  /** [N, C, kh, kw]. */
  readonly weight: DenseTensor;
  /** Input [C, H, W] (batch is symbolic). */
  readonly input: readonly [number, number, number];
  readonly strides?: readonly [number, number];
  readonly pads?: readonly [number, number, number, number];
  readonly dilations?: readonly [number, number];
  readonly autoPad?: 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
  readonly bias?: boolean;
  /** Follow the conv by a Relu (default true). */
  readonly relu?: boolean;
  readonly seed?: number;
}

function randomMatrix(rows: number, cols: number, rng: Rng): Matrix {
  return matrix(rows, cols, Array.from({ length: rows * cols }, () => rng.normal()));
}

/** A model: input [N, C, H, W] → Conv (named 'conv') → Relu (unless `relu: false`) → output. */
export function convModel(f: ConvFixture): Model {
  const rng = new Rng(f.seed ?? 7);
  const b = new GraphBuilder('conv-fixture');
  const x = b.input('input', 'float32', ['N', ...f.input]);
  const w = b.initializer('conv.weight', Tensor.f32(f.weight.dims, f.weight.data));
  const n = f.weight.dims[0] as number;
  const inputs = [x, w];
  if (f.bias ?? true) inputs.push(b.initializer('conv.bias', Tensor.f32([n], Array.from({ length: n }, () => rng.normal()))));
  const attrs: Record<string, number[] | string> = { kernel_shape: [...f.weight.dims.slice(2)] };
  if (f.strides !== undefined) attrs.strides = [...f.strides];
  if (f.dilations !== undefined) attrs.dilations = [...f.dilations];
  if (f.autoPad !== undefined) attrs.auto_pad = f.autoPad;
  else if (f.pads !== undefined) attrs.pads = [...f.pads];
  const y = b.op('Conv', inputs, attrs, { name: 'conv' });
  b.output(f.relu === false ? y : b.op('Relu', [y]), 'output');
  return b.build(17);
}

/** A model: input [N, in] → Gemm 'fc' (weight [out, in], transB 1, bias) → output; or MatMul 'fc' with weight [in, out]. */
export function fcModel(out: number, inF: number, weightOutIn: Matrix, op: 'Gemm' | 'MatMul' = 'Gemm', seed = 3): Model {
  const rng = new Rng(seed);
  const b = new GraphBuilder('fc-fixture');
  const x = b.input('input', 'float32', ['N', inF]);
  let y;
  if (op === 'Gemm') {
    const w = b.initializer('fc.weight', Tensor.f32([out, inF], weightOutIn.data));
    const bias = b.initializer('fc.bias', Tensor.f32([out], Array.from({ length: out }, () => rng.normal())));
    y = b.op('Gemm', [x, w, bias], { transB: 1, alpha: 0.5, beta: 2 }, { name: 'fc' });
  } else {
    const t = new Float32Array(inF * out);
    for (let i = 0; i < out; i++) for (let j = 0; j < inF; j++) t[j * out + i] = weightOutIn.data[i * inF + j] as number;
    y = b.op('MatMul', [x, b.initializer('fc.weight', Tensor.f32([inF, out], t))], {}, { name: 'fc' });
  }
  b.output(y, 'output');
  return b.build(17);
}

/** An out × in matrix of rank r. */
export function lowRankMatrix(out: number, inF: number, r: number, seed = 1): Matrix {
  const rng = new Rng(seed);
  return matmul(randomMatrix(out, r, rng), randomMatrix(r, inF, rng));
}

/** A kernel [N, C, kh, kw] that is a sum of r vertical ⊗ horizontal filter pairs (Jaderberg rank r). */
export function separableKernel(dims: readonly [number, number, number, number], r: number, seed = 1): DenseTensor {
  const [n, c, kh, kw] = dims;
  const rng = new Rng(seed);
  const v = randomMatrix(r, c * kh, rng);
  const h = randomMatrix(n * kw, r, rng);
  const m = matmul(h, v); // (n, x) × (c, y)
  const data = new Float64Array(n * c * kh * kw);
  for (let o = 0; o < n; o++) for (let i = 0; i < c; i++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    data[((o * c + i) * kh + y) * kw + x] = m.data[(o * kw + x) * (c * kh) + i * kh + y] as number;
  }
  return { dims: [...dims], data };
}

/** A kernel of CP rank r. */
export function cpKernel(dims: readonly [number, number, number, number], r: number, seed = 1): DenseTensor {
  const rng = new Rng(seed);
  return cpCompose(dims.map((d) => randomMatrix(d, r, rng)));
}

/** A kernel of multilinear rank (rOut, rIn) in its first two modes. */
export function tuckerKernel(dims: readonly [number, number, number, number], rOut: number, rIn: number, seed = 1): DenseTensor {
  const rng = new Rng(seed);
  const [n, c, kh, kw] = dims;
  const core: DenseTensor = { dims: [rOut, rIn, kh, kw], data: Float64Array.from({ length: rOut * rIn * kh * kw }, () => rng.normal()) };
  return modeProduct(modeProduct(core, 0, randomMatrix(n, rOut, rng)), 1, randomMatrix(c, rIn, rng));
}

/** A random kernel (full rank almost surely). */
export function randomKernel(dims: readonly [number, number, number, number], seed = 1): DenseTensor {
  const rng = new Rng(seed);
  return { dims: [...dims], data: Float64Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.normal()) };
}
