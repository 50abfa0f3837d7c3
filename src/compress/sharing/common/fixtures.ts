/** Small models and data shared by the weight-sharing tests (no test framework imports). */
import type { Dataset, Split } from '../../../data/types.js';
import { GraphBuilder } from '../../../ir/builder.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { Rng } from '../../../util/rng.js';

/** A 12-20-4 MLP: fc1 = Gemm (transB = 1, bias) + Relu, fc2 = MatMul + Add. */
export function tinyMlp(seed = 1): Model {
  const rng = new Rng(seed);
  const r = (n: number, s: number): number[] => Array.from({ length: n }, () => s * rng.normal());
  const b = new GraphBuilder('mlp');
  const x = b.input('x', 'float32', ['N', 12]);
  const w1 = b.initializer('w1', Tensor.f32([20, 12], r(240, 0.4)));
  const h = b.op('Relu', [b.op('Gemm', [x, w1, b.initializer('b1', Tensor.f32([20], r(20, 0.1)))], { transB: 1 }, { name: 'fc1' })]);
  const y = b.op('Add', [b.op('MatMul', [h, b.initializer('w2', Tensor.f32([20, 4], r(80, 0.3)))], {}, { name: 'fc2' }), b.initializer('b2', Tensor.f32([4], r(4, 0.1)))]);
  b.output(y, 'y');
  return b.build(17);
}

/** Four Gaussian blobs in 12-D (class c is bright on features j ≡ c mod 4). */
export function blobSplit(count: number, seed: number): Split {
  const rng = new Rng(seed);
  const images = new Float32Array(count * 12);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const c = n % 4;
    labels[n] = c;
    for (let j = 0; j < 12; j++) images[n * 12 + j] = (j % 4 === c ? 2 : 0) + 0.5 * rng.normal();
  }
  return { images, labels, count, sampleShape: [12] };
}

export function blobs(): Dataset {
  return { name: 'blobs', numClasses: 4, train: blobSplit(512, 1), test: blobSplit(256, 2) };
}
