/**
 * Quantization planning on a (BatchNorm-folded, shape-inferred) float model: which nodes run in int8, the
 * uint8 activation parameters of every tensor they read or write, and Relu folding (a Relu after a quantized
 * op is removed; the op's output takes the Relu's range, whose zero point 0 makes the saturation the Relu).
 * Mutates the graph only to fold Relus.
 */
import { UnsupportedOpError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import type { Value } from '../../../ir/value.js';
import { computeQParams, type QParams } from '../common/qparams.js';
import { chooseRange, type RangeOptions, type TensorStats } from './ranges.js';
import { ruleFor, type QuantRule } from './rules.js';

export interface PlanOptions {
  readonly range: RangeOptions;
  /** Activation type (default 'uint8': int8 activations are slow on x86 onnxruntime). */
  readonly activationType?: 'uint8' | 'int8';
  /** Symmetric activations (default false). */
  readonly symmetricActivations?: boolean;
  /** Node names to keep in float. */
  readonly keepFloat?: ReadonlySet<string>;
  /** Throw UnsupportedOpError for ops without a rule (default false: they stay float). */
  readonly strict?: boolean;
  /**
   * A Gemm whose output is a graph output (the logits) returns float from its integer kernel (QGemm without
   * output scale) instead of uint8 (default false).
   */
  readonly floatOutput?: boolean;
}

export interface QuantPlan {
  /** Quantized nodes, in topological order, with their rule. */
  readonly nodes: Map<Node, QuantRule>;
  /** Quantization parameters of every activation a quantized node reads or writes. */
  readonly act: Map<Value, QParams>;
  /** Names of Relu nodes folded into their producer. */
  readonly foldedRelus: readonly string[];
  /** Quantized nodes whose output stays float (integer kernel with float output). */
  readonly floatOutputs: ReadonlySet<Node>;
}

/** Values to calibrate: float inputs and the outputs of every op with a rule (and of Relus). */
export function calibrationTargets(model: Model): string[] {
  const g = model.graph;
  const names = g.inputs.filter((v) => v.initializer === undefined && (v.dtype ?? 'float32') === 'float32').map((v) => v.name);
  for (const n of g.nodes) {
    if (ruleFor(n) === undefined && n.opType !== 'Relu') continue;
    for (const o of n.outputs) if (o.name !== '' && (o.dtype ?? 'float32') === 'float32') names.push(o.name);
  }
  return [...new Set(names)];
}

function candidate(n: Node, keep: ReadonlySet<string>): QuantRule | undefined {
  const rule = ruleFor(n);
  if (rule === undefined || keep.has(n.name) || !rule.accepts(n)) return undefined;
  return rule;
}

function foldRelus(model: Model, keep: ReadonlySet<string>): string[] {
  const g = model.graph;
  const folded: string[] = [];
  for (const relu of [...g.nodes]) {
    if (relu.opType !== 'Relu' || keep.has(relu.name)) continue;
    const p = relu.input(0).producer;
    if (p === undefined || p.outputs.length !== 1 || p.output().uses.length !== 1 || g.outputs.includes(p.output())) continue;
    const rule = candidate(p, keep);
    if (rule === undefined || rule.kind === 'passthrough') continue;
    const out = relu.output();
    g.removeNode(relu, true);
    p.setOutput(0, out);
    folded.push(relu.name);
  }
  return folded;
}

export function planQuantization(model: Model, stats: ReadonlyMap<string, TensorStats>, opts: PlanOptions): QuantPlan {
  const g = model.graph;
  g.sortTopologically();
  const keep = opts.keepFloat ?? new Set<string>();
  const type = opts.activationType ?? 'uint8';
  const symmetric = opts.symmetricActivations === true;
  const foldedRelus = symmetric ? [] : foldRelus(model, keep);
  const act = new Map<Value, QParams>();
  const nodes = new Map<Node, QuantRule>();
  const floatOutputs = new Set<Node>();
  const qp = (v: Value): QParams | undefined => {
    const known = act.get(v);
    if (known !== undefined) return known;
    const s = stats.get(v.name);
    if (s === undefined || (v.dtype !== undefined && v.dtype !== 'float32')) return undefined;
    // Model inputs are data, not activations: a spike (e.g. image background) fools entropy / percentile.
    const r = chooseRange(s, g.inputs.includes(v) ? { method: 'minmax' } : opts.range);
    return computeQParams(r.lo, r.hi, type, symmetric);
  };
  for (const n of g.nodes) {
    const rule = candidate(n, keep);
    if (rule === undefined) {
      if (opts.strict === true && ruleFor(n) === undefined && !keep.has(n.name)) throw new UnsupportedOpError(n.opType, n.name, 'int8 quantization');
      continue;
    }
    if (rule.kind === 'passthrough') {
      const p = act.get(n.input(0));
      if (p === undefined) continue;
      act.set(n.output(), p);
      nodes.set(n, rule);
      continue;
    }
    const ins = rule.activations.map((i) => n.input(i));
    const floatOut = opts.floatOutput === true && rule.kind === 'gemm' && g.outputs.includes(n.output());
    const values = floatOut ? ins : [...ins, n.output()];
    const params = values.map(qp);
    if (params.some((p) => p === undefined)) continue;
    values.forEach((v, i) => act.set(v, params[i] as QParams));
    nodes.set(n, rule);
    if (floatOut) floatOutputs.add(n);
  }
  return { nodes, act, foldedRelus, floatOutputs };
}
