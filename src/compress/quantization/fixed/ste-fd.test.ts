/**
 * Straight-through estimators of the fixed-point and int8 fake quantizers against central finite
 * differences of their surrogate, the clip to the representable range: equal inside the range, exactly
 * zero outside (Round itself has zero derivative almost everywhere, so the surrogate is where an FD check
 * is defined).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addBackward, type StraightThrough } from '../../../autodiff/backward.js';
import { GraphBuilder } from '../../../ir/builder.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import { Session } from '../../../runtime/session.js';
import { expectClose } from '../../../testing/expect-close.js';
import { insertTransforms } from '../../../train/graph-edit.js';
import { addActivationFakeQuant } from '../int8/qat.js';
import { addFakeQuant, fixedWeightTransform, ROUND_STE } from './fake-quant.js';

/** Central differences of Σ d_i f(x_i) with respect to each x_i, in float64. */
function numericGrad(f: (v: number) => number, x: readonly number[], d: readonly number[], eps = 1e-4): number[] {
  return x.map((v, i) => (d[i]! * (f(v + eps) - f(v - eps))) / (2 * eps));
}

function checkSte(got: readonly number[], x: readonly number[], d: readonly number[], lo: number, hi: number): void {
  const fd = numericGrad((v) => Math.min(hi, Math.max(lo, v)), x, d);
  x.forEach((v, i) => {
    if (v > lo && v < hi) expectClose(got[i]!, fd[i]!, { rtol: 1e-6, atol: 1e-6, what: `x = ${v}` });
    else assert.ok(Object.is(got[i], 0) || Object.is(got[i], -0), `gradient at x = ${v} must be exactly 0, got ${got[i]}`);
  });
}

// 5 bits, fl = 3: integers [-16, 15], step 0.125, representable [-2, 1.875].
const F = { bits: 5, fl: 3 };
const X = [-3.1, -2.3, -1.94, -0.71, -0.06, 0.01, 0.33, 0.9, 1.41, 1.86, 2.2, 7];
const D = X.map((_, i) => 0.25 + ((i * 29) % 13) / 5);

interface Built {
  readonly y: Value;
  /** The value differentiated. */
  readonly wrt: Value;
  readonly edges: readonly StraightThrough[];
}

/** Gradient of Σ D ⊙ y with respect to `wrt`, with ROUND_STE and the transforms' straight-through edges. */
async function gradients(build: (b: GraphBuilder, x: Value) => Built, feeds: Record<string, Tensor>): Promise<number[]> {
  const b = new GraphBuilder('ste-fd');
  const x = b.input('x', 'float32', [X.length]);
  const { y, wrt, edges } = build(b, x);
  const loss = b.op('ReduceSum', [b.op('Mul', [y, b.constant(D, [X.length], 'd')])], { keepdims: 0 });
  const m = b.build();
  inferShapes(m);
  const grads = addBackward(m.graph, loss, [wrt], { opset: m.opset(), straightThrough: edges, rules: new Map([['Round', ROUND_STE]]) });
  b.output(grads.get(wrt)!, 'g');
  const s = await Session.create(m, { threads: 1 });
  try {
    return (await s.run(feeds)).g!.toNumbers();
  } finally {
    await s.release();
  }
}

test('fixed-point activation fake quant: STE = finite differences of clip(x, -2, 1.875) inside, 0 outside', async () => {
  const g = await gradients((b, x) => ({ y: addFakeQuant(b, x, F, 'act'), wrt: x, edges: [] }), { x: Tensor.f32([X.length], X) });
  checkSte(g, X, D, -2, 1.875);
});

test('fixed-point weight transform: STE = finite differences of the clip surrogate inside, 0 outside', async () => {
  const g = await gradients((b, x) => {
    const w = b.initializer('w', Tensor.f32([X.length], X));
    const y = b.op('Mul', [x, w]);
    // Rewires w's uses (the Mul) to its fake-quantized value.
    const edges = insertTransforms(b, [w], () => fixedWeightTransform(F, 'w'));
    return { y, wrt: w, edges };
  }, { x: Tensor.f32([X.length], X.map(() => 1)) });
  // Boundary values are representable and count as inside for the weight STE; X has none.
  checkSte(g, X, D, -2, 1.875);
});

test('int8 activation fake quant (uint8, zero point 20, scale 0.01): STE = finite differences of clip(x, -0.2, 2.35)', async () => {
  const xs = X.map((v) => v / 2);
  const g = await gradients((b, x) => ({
    y: addActivationFakeQuant(b, x, b.constant(0.01, [], 's'), { scale: 0.01, zeroPoint: 20, type: 'uint8' }, 'fq'), wrt: x, edges: [],
  }), { x: Tensor.f32([X.length], xs) });
  checkSte(g, xs, D, -0.2, 2.35);
});
