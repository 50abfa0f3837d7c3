/**
 * The codebook gradient is a true derivative (the shared weights are W = codebook[index], linear in each
 * centroid): it must match central finite differences of the loss computed by onnxruntime,
 * through a nonlinearity, for raw and normalised centroid steps.
 */
import { test } from 'node:test';
import { addBackward } from '../../../autodiff/backward.js';
import { GraphBuilder } from '../../../ir/builder.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import { Session } from '../../../runtime/session.js';
import { expectClose } from '../../../testing/expect-close.js';
import { codebookModel, codebookName } from './codebook-graph.js';
import type { SharedLayer } from './share.js';

const XS = [0.7, -1.2, 0.4, 1.5, 0.3, -0.8, -0.5, 0.9, 1.1];
const RS = [0.3, -1, 2, 0.7, -0.4, 1.3];
const INDICES = [0, 2, -1, 1, 0, 2];

function tanhMlp(): Model {
  const b = new GraphBuilder('tanh-mlp');
  const x = b.input('x', 'float32', [3, 3]);
  const w = b.initializer('w', Tensor.f32([3, 2], [0, 0, 0, 0, 0, 0]));
  b.output(b.op('Tanh', [b.op('MatMul', [x, w])]), 'y');
  return b.build();
}

/** Loss Σ tanh(x W) ⊙ r and its gradient with respect to the stored codebook initializer. */
async function lossAndGrad(codebook: readonly number[], normalizeSteps: boolean): Promise<{ loss: number; grad: number[] }> {
  const layer: SharedLayer = { name: 'w', kind: 'fc', bits: 2, dims: [3, 2], codebook: Float32Array.from(codebook), indices: Int32Array.from(INDICES) };
  const m = codebookModel(tanhMlp(), [layer], { normalizeSteps });
  const g = m.graph;
  const b = new GraphBuilder(g);
  const r = b.input('r', 'float32', [3, 2]);
  const y = g.outputs[0]!;
  g.outputs.length = 0;
  const loss = b.op('ReduceSum', [b.op('Mul', [y, r])], { keepdims: 0 });
  inferShapes(m);
  const cb = g.initializers.get(codebookName('w'))!;
  b.output(addBackward(g, loss, [cb], { opset: m.opset() }).get(cb)!, 'dcb');
  b.output(loss, 'loss');
  const s = await Session.create(m, { threads: 1 });
  try {
    const out = await s.run({ x: Tensor.f32([3, 3], XS), r: Tensor.f32([3, 2], RS) });
    return { loss: out.loss!.toNumbers()[0]!, grad: out.dcb!.toNumbers() };
  } finally {
    await s.release();
  }
}

test('codebook gradient matches finite differences of the loss through tanh (raw centroid steps)', async () => {
  const c = [-0.6, 0.25, 0.9];
  const { grad } = await lossAndGrad(c, false);
  const eps = 1e-2;
  const fd: number[] = [];
  for (let k = 0; k < c.length; k++) {
    const hi = c.map((v, i) => (i === k ? v + eps : v));
    const lo = c.map((v, i) => (i === k ? v - eps : v));
    fd.push(((await lossAndGrad(hi, false)).loss - (await lossAndGrad(lo, false)).loss) / (2 * eps));
  }
  expectClose(grad, fd, { rtol: 1e-3, atol: 1e-4 });
});

test('normalised steps: the stored p_k = c_k·√n_k gets the finite-difference gradient / √n_k', async () => {
  const c = [-0.6, 0.25, 0.9];
  const n = [2, 1, 2];
  const { grad } = await lossAndGrad(c, true);
  const eps = 1e-2;
  const fd: number[] = [];
  for (let k = 0; k < c.length; k++) {
    const hi = c.map((v, i) => (i === k ? v + eps : v));
    const lo = c.map((v, i) => (i === k ? v - eps : v));
    fd.push(((await lossAndGrad(hi, false)).loss - (await lossAndGrad(lo, false)).loss) / (2 * eps) / Math.sqrt(n[k]!));
  }
  expectClose(grad, fd, { rtol: 1e-3, atol: 1e-4 });
});
