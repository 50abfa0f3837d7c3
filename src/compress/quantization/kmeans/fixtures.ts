/**
 * Test fixtures for the codebook graph: a one-layer model whose 3×2 weight 'w' is shared, and a probe that
 * adds the loss Σ y ⊙ r and its gradient with respect to the stored codebook, run by onnxruntime.
 */
import { addBackward } from '../../../autodiff/backward.js';
import { GraphBuilder } from '../../../ir/builder.js';
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import { Session } from '../../../runtime/session.js';
import { codebookModel, codebookName, type CodebookGraphOptions } from './codebook-graph.js';
import type { SharedLayer } from './share.js';

/** x [rows, 3] → MatMul with the initializer w [3, 2] (→ Tanh when `tanh`) → y. */
export function oneLayer(w: readonly number[], rows = 2, tanh = false): Model {
  const b = new GraphBuilder('one-layer');
  const x = b.input('x', 'float32', [rows, 3]);
  const y = b.op('MatMul', [x, b.initializer('w', Tensor.f32([3, 2], w))]);
  b.output(tanh ? b.op('Tanh', [y]) : y, 'y');
  return b.build();
}

export interface CodebookProbe {
  /** The model's output y, the loss Σ y ⊙ r and dloss / d(stored codebook of 'w'). */
  readonly y: number[];
  readonly loss: number;
  readonly dcb: number[];
}

/** Shares `model`'s weight 'w' as `layer`, then runs y, the loss Σ y ⊙ r and its codebook gradient on x. */
export async function probeCodebook(model: Model, layer: SharedLayer, xs: readonly number[], rs: readonly number[], opts: CodebookGraphOptions = {}): Promise<CodebookProbe> {
  const m = codebookModel(model, [layer], opts);
  const g = m.graph;
  const b = new GraphBuilder(g);
  const y = g.outputs[0]!;
  const rows = rs.length / 2;
  const r = b.input('r', 'float32', [rows, 2]);
  g.outputs.length = 0;
  const loss = b.op('ReduceSum', [b.op('Mul', [y, r])], { keepdims: 0 });
  inferShapes(m);
  const cb = g.initializers.get(codebookName('w'))!;
  b.output(addBackward(g, loss, [cb], { opset: m.opset() }).get(cb)!, 'dcb');
  b.output(y, 'y');
  b.output(loss, 'loss');
  const s = await Session.create(m, { threads: 1 });
  try {
    const out = await s.run({ x: Tensor.f32([xs.length / 3, 3], xs), r: Tensor.f32([rows, 2], rs) });
    return { y: out.y!.toNumbers(), loss: out.loss!.toNumbers()[0]!, dcb: out.dcb!.toNumbers() };
  } finally {
    await s.release();
  }
}
