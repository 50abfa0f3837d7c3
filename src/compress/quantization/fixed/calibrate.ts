/** Activation ranges (max |x|) at chosen values of a model, measured with onnxruntime on a few samples. */
import type { Split } from '../../../data/types.js';
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import { inferShapes } from '../../../passes/infer-shapes.js';
import { Session } from '../../../runtime/session.js';
import { imageInputOf } from '../../../train/graph-edit.js';

/** Ops whose outputs are layer activations (quantized after each layer). */
const LAYER_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'Add', 'Relu', 'BatchNormalization', 'AveragePool', 'GlobalAveragePool', 'Sum', 'Concat']);

/** A node whose output is only an intermediate of the same layer (MatMul -> bias Add, X -> Relu). */
function feedsSameLayer(n: Node): boolean {
  const uses = n.output().uses;
  if (uses.length !== 1) return false;
  const next = uses[0]!.node.opType;
  return next === 'Relu' || (n.opType === 'MatMul' && next === 'Add') || next === 'BatchNormalization';
}

/** The values to fake-quantize: the image input and every layer's final output, in graph order. */
export function activationPoints(model: Model): Value[] {
  const out: Value[] = [imageInputOf(model)];
  for (const n of model.graph.nodes) {
    if (!LAYER_OPS.has(n.opType) || n.outputs.length !== 1 || feedsSameLayer(n)) continue;
    if (n.output().dtype !== undefined && n.output().dtype !== 'float32') continue;
    out.push(n.output());
  }
  return out;
}

/** max |x| per activation point name over the first `samples` samples of `split`. */
export async function activationRanges(model: Model, split: Split, samples = 256, batch = 64): Promise<Map<string, number>> {
  const m = model.clone();
  inferShapes(m);
  const points = activationPoints(m);
  const names = points.map((p) => p.name);
  for (const p of points.slice(1)) if (!m.graph.outputs.includes(p)) m.graph.addOutput(p);
  const input = points[0]!.name;
  const ranges = new Map(names.map((n) => [n, 0]));
  const per = split.images.length / Math.max(1, split.count);
  const total = Math.min(samples, split.count);
  if (total === 0) throw new SlimnetError('INVALID_ARGUMENT', 'activation calibration needs at least one sample');
  const s = await Session.create(m, { threads: 1 });
  try {
    for (let start = 0; start < total; start += batch) {
      const n = Math.min(batch, total - start);
      const x = split.images.subarray(start * per, (start + n) * per);
      const out = await s.run({ [input]: new Tensor('float32', [n, ...split.sampleShape], x) }, names.slice(1));
      let mx = 0;
      for (const v of x) mx = Math.max(mx, Math.abs(v));
      ranges.set(input, Math.max(ranges.get(input)!, mx));
      for (const name of names.slice(1)) {
        const d = out[name]!.toFloat32();
        let a = 0;
        for (const v of d) a = Math.max(a, Math.abs(v));
        ranges.set(name, Math.max(ranges.get(name)!, a));
      }
    }
  } finally {
    await s.release();
  }
  return ranges;
}
