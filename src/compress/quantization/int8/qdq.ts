/**
 * QDQ export: QuantizeLinear → DequantizeLinear after every planned activation, and DequantizeLinear in
 * front of int8 weight / int32 bias initializers. onnxruntime (optimisation level 'all') fuses the pattern
 * into its integer kernels; any other runtime executes it as fake quantization.
 */
import type { Model } from '../../../ir/graph.js';
import { Tensor } from '../../../ir/tensor.js';
import { Value } from '../../../ir/value.js';
import { constantValue } from '../../../onnx/index.js';
import { eliminateDeadCode } from '../../../passes/dead-code.js';
import { addNodeWithOutputs, QParamConstants, weightConstants } from './graph-util.js';
import type { QuantPlan } from './plan.js';
import { quantizeBias, quantizeWeight, type WeightBits } from './weights.js';

export interface ExportOptions {
  /** Per-output-channel weight scales (default true). */
  readonly perChannel: boolean;
  /** Weight bits: 8 (|q| ≤ 127, default) or 7 (|q| ≤ 63, reduced range; see weights.ts). */
  readonly weightBits?: WeightBits;
}

/** Opset needed for per-channel DequantizeLinear (axis). */
export const MIN_QDQ_OPSET = 13;

/** Rewrites the planned model in place into QDQ form. */
export function exportQdq(model: Model, plan: QuantPlan, opts: ExportOptions): void {
  const g = model.graph;
  if (model.opset() < MIN_QDQ_OPSET) model.opsetImports.set('', MIN_QDQ_OPSET);
  const consts = new QParamConstants(g);
  for (const [v, qp] of plan.act) {
    const [s, z] = consts.get(qp, v.name);
    const q = new Value(g.uniqueName(`${v.name}_quantized`), qp.type, v.shape);
    if (v.producer !== undefined) {
      const pre = new Value(g.uniqueName(`${v.name}_float`), 'float32', v.shape);
      const producer = v.producer;
      producer.setOutput(v.producerIndex, pre);
      addNodeWithOutputs(g, 'QuantizeLinear', [pre, s, z], [q], {}, '', `${v.name}_QuantizeLinear`);
      addNodeWithOutputs(g, 'DequantizeLinear', [q, s, z], [v], {}, '', `${v.name}_DequantizeLinear`);
    } else {
      const dq = new Value(g.uniqueName(`${v.name}_dequantized`), 'float32', v.shape);
      v.replaceAllUsesWith(dq);
      addNodeWithOutputs(g, 'QuantizeLinear', [v, s, z], [q], {}, '', `${v.name}_QuantizeLinear`);
      addNodeWithOutputs(g, 'DequantizeLinear', [q, s, z], [dq], {}, '', `${v.name}_DequantizeLinear`);
    }
  }
  for (const [n, rule] of plan.nodes) {
    if (rule.weightAxis === undefined) continue;
    const w = constantValue(n.input(1)) as Tensor;
    const qw = quantizeWeight(w, opts.perChannel ? rule.weightAxis(n) : undefined, opts.weightBits ?? 8);
    const wq = g.addInitializer(g.uniqueName(`${n.name}_weight_quantized`), new Tensor('int8', w.dims, qw.data));
    const [ws, wz] = weightConstants(g, `${n.name}_weight`, qw.scales, 'int8', qw.axis !== undefined);
    const wdq = new Value(g.uniqueName(`${n.name}_weight_dequantized`), 'float32', w.dims);
    addNodeWithOutputs(g, 'DequantizeLinear', [wq, ws, wz], [wdq], qw.axis === undefined ? {} : { axis: qw.axis }, '', `${n.name}_weight_DequantizeLinear`);
    n.setInput(1, wdq);
    const bias = n.inputs[2] === undefined ? undefined : constantValue(n.input(2));
    if (bias === undefined) continue;
    const xs = (plan.act.get(n.input(0)) ?? plan.act.get(inputBeforeDq(n.input(0))))?.scale as number;
    const qb = quantizeBias(bias, xs, qw.scales);
    const bq = g.addInitializer(g.uniqueName(`${n.name}_bias_quantized`), new Tensor('int32', bias.dims, qb.data));
    const perChannel = qw.axis !== undefined;
    const [bs, bz] = weightConstants(g, `${n.name}_bias`, qb.scales, 'int32', perChannel);
    const bdq = new Value(g.uniqueName(`${n.name}_bias_dequantized`), 'float32', bias.dims);
    addNodeWithOutputs(g, 'DequantizeLinear', [bq, bs, bz], [bdq], perChannel ? { axis: 0 } : {}, '', `${n.name}_bias_DequantizeLinear`);
    n.setInput(2, bdq);
  }
  eliminateDeadCode(model);
  g.sortTopologically();
}

/** For a graph input rewired to its DequantizeLinear output, the original input value. */
function inputBeforeDq(v: Value): Value {
  const p = v.producer;
  if (p === undefined || p.opType !== 'DequantizeLinear') return v;
  const q = p.input(0).producer;
  return q === undefined ? v : q.input(0);
}
