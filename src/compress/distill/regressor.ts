/**
 * The FitNets regressor: a learned map from the student's guided layer to the teacher's hint layer, added
 * to the student for the hint-training stage and removed afterwards.
 *   feature maps [N, Cs, Hs, Ws] → [N, Ct, Ht, Wt]: a convolution with Ct filters of (Hs−Ht+1)×(Ws−Wt+1)
 *     (1×1 when the spatial sizes agree), no padding, as in the paper;
 *   vectors [N, Ds] → [N, Dt]: a fully-connected layer.
 * He-normal weights from a seeded Rng, zero bias. The regressed value becomes an extra graph output after
 * the logits, so the training loop still reads the logits as output 0.
 */
import { GraphBuilder } from '../../ir/builder.js';
import { ShapeError } from '../../ir/errors.js';
import type { Model } from '../../ir/graph.js';
import { shapeToString, type Shape } from '../../ir/shape.js';
import { Tensor } from '../../ir/tensor.js';
import type { Value } from '../../ir/value.js';
import { Rng } from '../../util/rng.js';
import type { LayerRef } from './layers.js';

/** What addRegressor added (for the loss and for removal). */
export interface Regressor {
  /** Name of the regressed value (an extra graph output). */
  readonly output: string;
  readonly node: string;
  readonly params: readonly string[];
}

const NAME = 'fitnets/regressor';

/** A copy of `student` with a regressor from `guided` (of the student) to the shape of `hint` (of the teacher). */
export function addRegressor(student: Model, guided: LayerRef, hint: LayerRef, seed: number): { model: Model; regressor: Regressor } {
  const m = student.clone();
  const g = m.graph;
  const b = new GraphBuilder(g);
  const x = g.valuesByName().get(guided.value) as Value;
  const rng = new Rng(seed);
  const [gs, hs] = [guided.shape, hint.shape];
  const he = (dims: number[], fanIn: number): Tensor => {
    const t = Tensor.f32(dims);
    const std = Math.sqrt(2 / fanIn);
    const d = t.data as Float32Array;
    for (let i = 0; i < d.length; i++) d[i] = std * rng.normal();
    return t;
  };
  let y: Value;
  let params: string[];
  if (gs.length === 4 && hs.length === 4) {
    const [cs, h1, w1] = staticDims(gs, guided.value);
    const [ct, h2, w2] = staticDims(hs, hint.value);
    const [kh, kw] = [h1 - h2 + 1, w1 - w2 + 1];
    if (kh < 1 || kw < 1) {
      throw new ShapeError(`FitNets: guided layer '${guided.value}' ${shapeToString(gs)} is spatially smaller than hint '${hint.value}' ${shapeToString(hs)}; choose an earlier (larger) guided layer or a later hint layer`);
    }
    const w = b.initializer(`${NAME}.weight`, he([ct, cs, kh, kw], cs * kh * kw));
    const bias = b.initializer(`${NAME}.bias`, Tensor.f32([ct]));
    y = b.op('Conv', [x, w, bias], { kernel_shape: [kh, kw], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 }, { name: NAME });
    params = [w.name, bias.name];
  } else if (gs.length === 2 && hs.length === 2) {
    const [ds] = staticDims(gs, guided.value);
    const [dt] = staticDims(hs, hint.value);
    const w = b.initializer(`${NAME}.weight`, he([dt, ds], ds));
    const bias = b.initializer(`${NAME}.bias`, Tensor.f32([dt]));
    y = b.op('Gemm', [x, w, bias], { transB: 1 }, { name: NAME });
    params = [w.name, bias.name];
  } else {
    throw new ShapeError(`FitNets: guided layer '${guided.value}' ${shapeToString(gs)} and hint '${hint.value}' ${shapeToString(hs)} must both be feature maps [N,C,H,W] or both vectors [N,D]`);
  }
  const out = b.output(y, g.uniqueName('fitnets/regressed'));
  out.dtype = 'float32';
  return { model: m, regressor: { output: out.name, node: y.producer?.name ?? NAME, params } };
}

/** A copy of `model` without the regressor (node, weights and output). */
export function removeRegressor(model: Model, r: Regressor): Model {
  const m = model.clone();
  const g = m.graph;
  const i = g.outputs.findIndex((o) => o.name === r.output);
  if (i >= 0) g.outputs.splice(i, 1);
  const node = g.findNode(r.node);
  if (node !== undefined) g.removeNode(node);
  for (const p of r.params) {
    const v = g.initializers.get(p);
    if (v !== undefined) g.removeInitializer(v);
  }
  return m;
}

/** The non-batch dimensions of a shape, which must be static (missing ones read as 0). */
function staticDims(shape: Shape, what: string): [number, number, number] {
  const d = shape.slice(1);
  if (!d.every((x) => typeof x === 'number')) throw new ShapeError(`FitNets: '${what}' needs static non-batch dimensions, got ${shapeToString(shape)}`);
  const n = d as number[];
  return [n[0] ?? 0, n[1] ?? 0, n[2] ?? 0];
}
