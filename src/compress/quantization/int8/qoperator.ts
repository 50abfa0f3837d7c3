/**
 * QOperator export: quantized nodes become integer operators (QLinearConv, com.microsoft QGemm,
 * QLinearMatMul, com.microsoft QLinearAdd / QLinearGlobalAveragePool, uint8 MaxPool / Flatten / Reshape);
 * QuantizeLinear is inserted where a float tensor enters the integer region and DequantizeLinear where an
 * integer tensor leaves it (graph outputs, float consumers).
 */
import type { AttributeInput } from '../../../ir/attributes.js';
import type { Model } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import { Tensor } from '../../../ir/tensor.js';
import { Value } from '../../../ir/value.js';
import { constantValue } from '../../../onnx/index.js';
import type { QParams } from '../common/qparams.js';
import { eliminateDeadCode } from '../../../passes/dead-code.js';
import { addNodeWithOutputs, QParamConstants, weightConstants } from './graph-util.js';
import type { QuantPlan } from './plan.js';
import type { ExportOptions } from './qdq.js';
import { quantizeBias, quantizeWeight, type WeightBits } from './weights.js';

export const MS_DOMAIN = 'com.microsoft';

const OP_FOR_KIND = {
  conv: ['QLinearConv', ''], gemm: ['QGemm', MS_DOMAIN], matmul: ['QLinearMatMul', ''],
  add: ['QLinearAdd', MS_DOMAIN], gap: ['QLinearGlobalAveragePool', MS_DOMAIN],
} as const;

/** Rewrites the planned model in place into QOperator form. */
export function exportQOperator(model: Model, plan: QuantPlan, opts: ExportOptions): void {
  const g = model.graph;
  if (model.opset() < 13) model.opsetImports.set('', 13);
  const consts = new QParamConstants(g);
  /** Integer version of a float value (original Value → uint8 Value). */
  const qmap = new Map<Value, Value>();
  const qparams = (v: Value): QParams => plan.act.get(v) as QParams;
  const quantized = (v: Value): Value => {
    let q = qmap.get(v);
    if (q === undefined) {
      const qp = qparams(v);
      q = new Value(g.uniqueName(`${v.name}_quantized`), qp.type, v.shape);
      addNodeWithOutputs(g, 'QuantizeLinear', [v, ...consts.get(qp, v.name)], [q], {}, '', `${v.name}_QuantizeLinear`);
      qmap.set(v, q);
    }
    return q;
  };
  const actArgs = (v: Value): Value[] => [quantized(v), ...consts.get(qparams(v), v.name)];
  let usesMs = false;
  const bits = opts.weightBits ?? 8;
  for (const [n, rule] of plan.nodes) {
    const out = n.output();
    if (plan.floatOutputs.has(n)) {
      const axis = opts.perChannel && rule.weightAxis !== undefined ? rule.weightAxis(n) : undefined;
      floatOutputGemm(model, n, actArgs(n.input(0)), qparams(n.input(0)).scale, axis, bits);
      usesMs = true;
      continue;
    }
    const qp = qparams(out);
    const qout = new Value(g.uniqueName(`${out.name}_quantized`), qp.type, out.shape);
    const attrs: Record<string, AttributeInput> = Object.fromEntries(n.attributes);
    let inputs: Array<Value | undefined>;
    let op: string = n.opType;
    let domain = '';
    if (rule.kind === 'passthrough') {
      inputs = [quantized(n.input(0)), ...n.inputs.slice(1)];
    } else if (rule.kind === 'add') {
      inputs = [...actArgs(n.input(0)), ...actArgs(n.input(1)), ...consts.get(qp, out.name)];
    } else if (rule.kind === 'gap') {
      inputs = [...actArgs(n.input(0)), ...consts.get(qp, out.name)];
      for (const k of Object.keys(attrs)) delete attrs[k];
      attrs['channels_last'] = 0;
    } else {
      const axis = opts.perChannel && rule.weightAxis !== undefined ? rule.weightAxis(n) : undefined;
      inputs = [...actArgs(n.input(0)), ...weightArgs(model, n, qparams(n.input(0)).scale, axis, bits)];
      const bias = inputs.pop();
      const yArgs = consts.get(qp, out.name);
      if (rule.kind === 'conv') inputs = [...inputs, ...yArgs, bias];
      else if (rule.kind === 'gemm') {
        inputs = [...inputs, bias, ...yArgs];
        delete attrs['beta'];
      } else inputs = [...inputs, ...yArgs];
    }
    if (rule.kind !== 'passthrough') [op, domain] = OP_FOR_KIND[rule.kind];
    usesMs ||= domain === MS_DOMAIN;
    addNodeWithOutputs(g, op, inputs, [qout], attrs, domain, `${n.name}_quant`);
    qmap.set(out, qout);
    g.removeNode(n, true);
  }
  for (const [v, q] of qmap) {
    const p = v.producer;
    if (p === undefined || p.graph !== undefined) continue; // the float original still exists
    p.setOutput(v.producerIndex, new Value(g.uniqueName(`${v.name}_removed`)));
    if (v.uses.length === 0 && !g.outputs.includes(v)) continue;
    addNodeWithOutputs(g, 'DequantizeLinear', [q, ...consts.get(qparams(v), v.name)], [v], {}, '', `${v.name}_DequantizeLinear`);
  }
  if (usesMs && !model.opsetImports.has(MS_DOMAIN)) model.opsetImports.set(MS_DOMAIN, 1);
  eliminateDeadCode(model);
  g.sortTopologically();
}

/** Replaces a float Gemm by QGemm with float output (no y_scale / y_zero_point); the output value is kept. */
function floatOutputGemm(
  model: Model, n: Node, a: Value[], inputScale: number, axis: number | undefined, bits: WeightBits,
): void {
  const g = model.graph;
  const out = n.output();
  const attrs: Record<string, AttributeInput> = Object.fromEntries(n.attributes);
  delete attrs['beta'];
  const inputs = [...a, ...weightArgs(model, n, inputScale, axis, bits)];
  n.setOutput(0, new Value(g.uniqueName(`${out.name}_replaced`)));
  addNodeWithOutputs(g, 'QGemm', inputs, [out], attrs, MS_DOMAIN, `${n.name}_quant`);
  g.removeNode(n, true);
}

/** [w_q, w_scale, w_zero_point, bias_q | undefined] for a weighted node. */
function weightArgs(
  model: Model, n: Node, inputScale: number, axis: number | undefined, bits: WeightBits,
): Array<Value | undefined> {
  const g = model.graph;
  const w = constantValue(n.input(1)) as Tensor;
  const qw = quantizeWeight(w, axis, bits);
  const wq = g.addInitializer(g.uniqueName(`${n.name}_weight_quantized`), new Tensor('int8', w.dims, qw.data));
  const [ws, wz] = weightConstants(g, `${n.name}_weight`, qw.scales, 'int8', axis !== undefined);
  const bias = n.inputs[2] === undefined ? undefined : constantValue(n.input(2));
  if (bias === undefined) return [wq, ws, wz, undefined];
  const qb = quantizeBias(bias, inputScale, qw.scales);
  const bq = g.addInitializer(g.uniqueName(`${n.name}_bias_quantized`), new Tensor('int32', bias.dims, qb.data));
  return [wq, ws, wz, bq];
}
