/**
 * Rewrites an inference forward graph for training, in place (run it on the training copy):
 *
 *  - BatchNormalization → training_mode 1 with momentum 0, so onnxruntime's fused kernel normalises with
 *    the batch statistics and its outputs 1 and 2 are exactly the batch mean and (biased) variance. The
 *    running statistics are then updated by small per-channel nodes, PyTorch-style (unbiased variance):
 *      newMean = mean·momentum + batchMean·(1 − momentum)
 *      newVar  = var·momentum + batchVar·M/(M − 1)·(1 − momentum)      (M = elements per channel)
 *    with momentum in the ONNX convention (0.9 ≙ PyTorch's 0.1). The trainer copies newMean / newVar into
 *    the inference model's running-stat initializers; the inference BN nodes themselves stay unchanged.
 *    The BatchNormalization gradient rule (rules/batchnorm.ts) differentiates through the batch statistics.
 *  - Dropout → training_mode true with a seeded generator (seed attribute `dropoutSeed + k` for the k-th
 *    Dropout) and its mask output, which the Dropout gradient rule reads.
 * Needs opset 14 for BatchNormalization (training_mode) and 12 for Dropout.
 */
import { GraphBuilder } from '../ir/builder.js';
import { SlimnetError } from '../ir/errors.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { Tensor } from '../ir/tensor.js';
import { Value } from '../ir/value.js';

export interface TrainingForwardOptions {
  /** Running-stat momentum (ONNX convention: weight of the old value); default each node's own (0.9). */
  readonly momentum?: number;
  /** Base seed of the Dropout generators (default 0). */
  readonly dropoutSeed?: number;
  /** The model's ai.onnx opset (default 17): BatchNormalization needs 14+, Dropout 12+. */
  readonly opset?: number;
}

export interface RunningStat {
  /** The BatchNormalization node, now in training mode. */
  readonly node: Node;
  /** Running mean / variance inputs of the node (initializers in an inference model). */
  readonly mean: Value;
  readonly var: Value;
  /** Their updated values after this batch (graph values; the trainer declares them as outputs). */
  readonly newMean: Value;
  readonly newVar: Value;
}

export interface DropoutMask {
  readonly node: Node;
  /** The node's mask output (bool). */
  readonly mask: Value;
}

export interface TrainingForward {
  readonly runningStats: RunningStat[];
  readonly dropouts: DropoutMask[];
}

function ensureOutput(g: Graph, node: Node, i: number, suffix: string, dtype: Value['dtype'], shape: Value['shape']): Value {
  while (node.outputs.length <= i) {
    const k = node.outputs.length;
    node.addOutput(new Value(g.uniqueName(`${node.output(0).name}_${k === i ? suffix : `unused${k}`}`), dtype, shape));
  }
  return node.output(i);
}

function isInference(node: Node): boolean {
  return node.attrInt('training_mode', 0) === 0;
}

function rewriteBatchNorm(b: GraphBuilder, node: Node, momentum: number): RunningStat {
  const g = b.graph;
  for (const o of node.outputs.slice(1)) {
    if (o.uses.length > 0 || g.outputs.includes(o)) {
      throw new SlimnetError('INVALID_ARGUMENT', `BatchNormalization '${node.name}': optional output '${o.name}' is already used; cannot switch it to training mode`);
    }
  }
  const x = node.input(0);
  const mean = node.input(3);
  const variance = node.input(4);
  const dtype = x.dtype === 'float64' ? 'float64' : 'float32';
  node.setAttr('training_mode', 1);
  node.setAttr('momentum', 0);
  const batchMean = ensureOutput(g, node, 1, 'batch_mean', x.dtype, mean.shape);
  const batchVar = ensureOutput(g, node, 2, 'batch_var', x.dtype, variance.shape);
  const name = (what: string): { name: string } => ({ name: `${node.name}/${what}` });
  const k = (v: number): Value => b.constant(v, [], `${node.name}/c`, dtype);
  const s = x.shape;
  let unbias: Value;
  if (s !== undefined && s.every((d, i) => i === 1 || typeof d === 'number')) {
    const m = s.reduce<number>((a, d, i) => (i === 1 ? a : a * (d as number)), 1);
    unbias = k(m > 1 ? (m / (m - 1)) * (1 - momentum) : 1 - momentum);
  } else {
    const to = dtype === 'float64' ? 11 : 1;
    const count = b.op('Div', [b.op('Cast', [b.op('Size', [x], {}, name('size'))], { to }), b.op('Cast', [b.op('Size', [batchMean], {}, name('channels'))], { to })], {}, name('count'));
    const ratio = b.op('Div', [count, b.op('Max', [b.op('Sub', [count, k(1)], {}, name('count_m1')), k(1)], {}, name('clamp'))], {}, name('unbias'));
    unbias = b.op('Mul', [ratio, k(1 - momentum)], {}, name('unbias_mom'));
  }
  const blend = (running: Value, batch: Value, scale: Value, what: string): Value => {
    const out = b.op('Add', [b.op('Mul', [running, k(momentum)], {}, name(`${what}_keep`)), b.op('Mul', [batch, scale], {}, name(`${what}_new`))], {}, name(`${what}_update`));
    out.dtype = running.dtype;
    out.shape = running.shape;
    return out;
  };
  return {
    node,
    mean,
    var: variance,
    newMean: blend(mean, batchMean, k(1 - momentum), 'running_mean'),
    newVar: blend(variance, batchVar, unbias, 'running_var'),
  };
}

function rewriteDropout(g: Graph, node: Node, seed: number): DropoutMask {
  const x = node.input(0);
  if (node.inputs[1] === undefined) node.setInput(1, g.addInitializer(g.uniqueName(`${node.name}/ratio`), Tensor.f32([], [0.5])));
  node.setInput(2, g.addInitializer(g.uniqueName(`${node.name}/training`), new Tensor('bool', [], new Uint8Array([1]))));
  node.setAttr('seed', { type: 'int', value: seed });
  return { node, mask: ensureOutput(g, node, 1, 'mask', 'bool', x.shape) };
}

/** Switches BatchNormalization and Dropout nodes of `graph` to training mode (see the file comment). */
export function toTrainingForward(graph: Graph, opts: TrainingForwardOptions = {}): TrainingForward {
  const opset = opts.opset ?? 17;
  const b = new GraphBuilder(graph);
  const runningStats: RunningStat[] = [];
  const dropouts: DropoutMask[] = [];
  let seed = opts.dropoutSeed ?? 0;
  for (const node of [...graph.nodes]) {
    if (node.domain !== '' && node.domain !== 'ai.onnx') continue;
    if (node.opType === 'BatchNormalization' && isInference(node)) {
      if (opset < 14) throw new SlimnetError('INVALID_ARGUMENT', `BatchNormalization '${node.name}': training needs opset >= 14 (training_mode), model has ${opset}`);
      runningStats.push(rewriteBatchNorm(b, node, opts.momentum ?? node.attrFloat('momentum', 0.9)));
    } else if (node.opType === 'Dropout') {
      if (opset < 12) throw new SlimnetError('INVALID_ARGUMENT', `Dropout '${node.name}': training needs opset >= 12, model has ${opset}`);
      dropouts.push(rewriteDropout(graph, node, seed++));
    }
  }
  return { runningStats, dropouts };
}
