/**
 * Runs one forward-pass transform (train/transforms.ts) on concrete values with onnxruntime: its output,
 * and the gradients of L = Σ y ⊙ dOut with respect to the input and the parameters the transform owns
 * (through its straight-through edges, as the training graph computes them).
 */
import { addBackward } from '../autodiff/backward.js';
import { GraphBuilder } from '../ir/builder.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { inferShapes } from '../passes/infer-shapes.js';
import { Session } from '../runtime/session.js';
import { liftToInputs } from '../train/graph-edit.js';
import { applyTransform, TransformRecorder, type WeightTransform } from '../train/transforms.js';

export interface TransformRun {
  readonly y: number[];
  /** d L / d x (when dOut was given). */
  readonly dx?: number[];
  /** d L / d p for each owned parameter, by name (when dOut was given). */
  readonly dParams: Readonly<Record<string, number[]>>;
  /** Owned parameters' values used. */
  readonly params: Readonly<Record<string, number[]>>;
}

export interface TransformRunOptions {
  /** Build the training form (default true) or the inference form. */
  readonly training?: boolean;
  /** Upstream gradient (same shape as x): asks for the backward pass. */
  readonly dOut?: readonly number[];
  /** Values of owned parameters (default: their initial values). */
  readonly params?: Readonly<Record<string, readonly number[]>>;
}

export async function runTransform(t: WeightTransform, dims: readonly number[], x: readonly number[], opts: TransformRunOptions = {}): Promise<TransformRun> {
  const b = new GraphBuilder('transform');
  const g = b.graph;
  const xv = b.input('x', 'float32', [...dims]);
  const owned: Array<{ value: Value; init: Tensor }> = [];
  const rec = new TransformRecorder(b, opts.training ?? true, (v) => {
    owned.push({ value: v, init: v.initializer! });
    liftToInputs(g, [v]);
  });
  let y = applyTransform(b, t, xv, rec);
  if (y === xv) y = b.op('Identity', [xv]);
  b.output(y, 'y');
  const model = b.build();
  inferShapes(model);
  if (opts.dOut !== undefined) {
    const d = b.initializer('dout', Tensor.f32([...dims], opts.dOut));
    const loss = b.op('ReduceSum', [b.op('Mul', [y, d])], { keepdims: 0 });
    inferShapes(model);
    const grads = addBackward(g, loss, [xv, ...owned.map((o) => o.value)], { opset: model.opset(), straightThrough: rec.edges });
    const zero = (v: Value): Value => b.op('Mul', [v, b.constant(0, [], 'zero')]);
    b.output(grads.get(xv) ?? zero(xv), 'dx');
    for (const o of owned) b.output(grads.get(o.value) ?? zero(o.value), `d_${o.value.name}`);
  }
  const feeds: Record<string, Tensor> = { x: Tensor.f32([...dims], x) };
  const params: Record<string, number[]> = {};
  for (const o of owned) {
    const given = opts.params?.[o.value.name];
    const t0 = given === undefined ? o.init : Tensor.f32(o.init.dims, given);
    feeds[o.value.name] = new Tensor('float32', t0.dims, Float32Array.from(t0.toFloat32()));
    params[o.value.name] = t0.toNumbers();
  }
  const s = await Session.create(model, { threads: 1 });
  try {
    const out = await s.run(feeds);
    const dParams: Record<string, number[]> = {};
    for (const o of owned) if (out[`d_${o.value.name}`] !== undefined) dParams[o.value.name] = out[`d_${o.value.name}`]!.toNumbers();
    return { y: out.y!.toNumbers(), ...(out.dx === undefined ? {} : { dx: out.dx.toNumbers() }), dParams, params };
  } finally {
    await s.release();
  }
}
