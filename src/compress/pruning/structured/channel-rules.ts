/**
 * Per-op channel-pruning rules, keyed by op type. Channels live on axis 1 of activations (NCHW, [N, F]).
 * Each rule says how channels flow through its node (created, passed through, coupled, concatenated,
 * flattened into feature blocks) and which parameter axes line up with them; slicing those axes is done
 * generically by prune.ts. An op without a rule blocks every group it touches.
 */
import { Tensor } from '../../../ir/tensor.js';
import type { ChannelRule, FinishContext, PropagateContext } from './rule-types.js';

/** Output 0 (and any extra same-shaped outputs such as Dropout's mask) carry input 0's channels. */
function passThrough(outputs = 1): ChannelRule {
  return {
    propagate: (c) => {
      const ids = c.ids(0);
      if (ids === undefined) return;
      if (c.node.outputs.slice(outputs).some((o) => o.uses.length > 0)) return c.block(`output #${outputs} depends on the channel layout`);
      for (let k = 0; k < Math.min(outputs, c.node.outputs.length); k++) c.share(k, ids);
    },
  };
}

/** The channel axis of a constant of rank `rank` broadcast against an output of rank `outRank`, or -1. */
function alignedAxis(rank: number, outRank: number): number {
  return 1 - (outRank - rank);
}

/** Elementwise ops: activations with channels are coupled; per-channel constants are sliced. */
const elementwise: ChannelRule = {
  propagate: (c) => {
    const out = c.outShape(0);
    const outRank = out?.length ?? 0;
    const channels = out?.[1];
    const data: Int32Array[] = [];
    for (let i = 0; i < c.node.inputs.length; i++) {
      const v = c.node.inputs[i];
      if (v === undefined) continue;
      const ids = c.ids(i);
      if (ids !== undefined) {
        if (ids.length !== channels) return c.block(`input #${i} has ${ids.length} channels but the output ${String(channels)}`);
        data.push(ids);
        continue;
      }
      const shape = c.inShape(i);
      const axis = shape === undefined ? -1 : alignedAxis(shape.length, outRank);
      const dim = shape === undefined ? undefined : axis >= 0 ? shape[axis] : 1;
      if (dim === undefined) return c.block(`input #${i} has an unknown shape`);
      if (dim === 1 || channels === 1) continue;
      if (c.constant(i) === undefined) return c.block(`input #${i} varies along the channel axis but is neither tracked nor an initializer`);
      // Sliced later, once the output's channels are known.
    }
    const first = data[0];
    if (first === undefined) return;
    for (const ids of data.slice(1)) c.union(first, ids);
    c.share(0, first);
    const outValue = c.node.output(0);
    c.node.inputs.forEach((v, i) => {
      const shape = c.inShape(i);
      if (v === undefined || c.ids(i) !== undefined || shape === undefined) return;
      const axis = alignedAxis(shape.length, outRank);
      if (axis >= 0 && shape[axis] !== 1 && channels !== 1) c.slice(i, axis, 'param', outValue);
    });
  },
};

const conv: ChannelRule = {
  propagate: (c) => {
    const w = c.constant(1);
    if (w === undefined || w.rank < 3) return c.block('the weight is not an initializer');
    const bias = c.node.inputs[2];
    if (bias !== undefined && c.constant(2) === undefined) return c.block('the bias is not an initializer');
    const group = c.node.attrInt('group', 1);
    const ids = c.ids(0);
    const cin = c.inShape(0)?.[1];
    const out = c.node.output(0);
    const cout = w.dims[0] as number;
    if (group === 1) {
      if (ids !== undefined) c.slice(1, 1, 'in', c.node.input(0));
      c.fresh(0, cout);
    } else if (group === cin && cout === cin) {
      // Depthwise: input channel i is output channel i.
      if (ids === undefined) c.fresh(0, cout);
      else c.share(0, ids);
    } else {
      return c.block(`grouped convolution (group ${group}, ${String(cin)} -> ${cout} channels): only group 1 and depthwise are supported`);
    }
    c.slice(1, 0, 'out', out);
    if (bias !== undefined) c.slice(2, 0, 'param', out);
  },
  finish: (c) => {
    if (c.node.attrInt('group', 1) !== 1) c.node.setAttr('group', c.kept(c.node.output(0)));
  },
};

const convTranspose: ChannelRule = {
  propagate: (c) => {
    const w = c.constant(1);
    if (w === undefined || w.rank < 3) return c.block('the weight is not an initializer');
    if (c.node.attrInt('group', 1) !== 1) return c.block('grouped ConvTranspose is not supported');
    if (c.node.inputs[2] !== undefined && c.constant(2) === undefined) return c.block('the bias is not an initializer');
    if (c.ids(0) !== undefined) c.slice(1, 0, 'in', c.node.input(0));
    c.fresh(0, w.dims[1] as number);
    c.slice(1, 1, 'out', c.node.output(0));
    if (c.node.inputs[2] !== undefined) c.slice(2, 0, 'param', c.node.output(0));
  },
};

/** Gemm (A [N, K] × B) and MatMul with a constant 2-D right operand: input features in, units out. */
function denseRule(kind: 'Gemm' | 'MatMul'): ChannelRule {
  return {
    propagate: (c) => {
      const w = c.constant(1);
      if (w === undefined || w.rank !== 2) return c.block('the weight is not a 2-D initializer');
      if ((c.inShape(0)?.length ?? 0) !== 2) return c.block('the input is not 2-D');
      const transA = kind === 'Gemm' ? c.node.attrInt('transA', 0) : 0;
      if (transA !== 0) return c.block('transA = 1 is not supported');
      const transB = kind === 'Gemm' ? c.node.attrInt('transB', 0) : 0;
      const inAxis = transB === 1 ? 1 : 0;
      const units = w.dims[1 - inAxis] as number;
      const out = c.node.output(0);
      if (c.ids(0) !== undefined) c.slice(1, inAxis, 'in', c.node.input(0));
      c.fresh(0, units);
      c.slice(1, 1 - inAxis, 'out', out);
      const bias = c.node.inputs[2];
      if (bias === undefined) return;
      const b = c.constant(2);
      if (b === undefined) return c.block('the bias C is not an initializer');
      const last = b.dims[b.rank - 1];
      if (b.rank >= 1 && last === units && units !== 1 && b.size === units) c.slice(2, b.rank - 1, 'param', out);
      else if (b.size !== 1) return c.block(`bias C of dims [${b.dims.join(',')}] is not per-unit`);
    },
  };
}

const batchNorm: ChannelRule = {
  propagate: (c) => {
    if (c.node.outputs.slice(1).some((o) => o.uses.length > 0)) return c.block('training-mode BatchNormalization');
    const ids = c.ids(0);
    if (ids === undefined) return;
    for (let i = 1; i <= 4; i++) if (c.constant(i) === undefined) return c.block(`input #${i} is not an initializer`);
    c.share(0, ids);
    for (let i = 1; i <= 4; i++) c.slice(i, 0, i === 1 ? 'bn-scale' : 'param', c.node.input(0));
  },
};

const instanceNorm: ChannelRule = {
  propagate: (c) => {
    const ids = c.ids(0);
    if (ids === undefined) return;
    if (c.constant(1) === undefined || c.constant(2) === undefined) return c.block('scale / bias are not initializers');
    c.share(0, ids);
    c.slice(1, 0, 'bn-scale', c.node.input(0));
    c.slice(2, 0, 'param', c.node.input(0));
  },
};

/** Flatten / Reshape to [N, C·H·W]: channel c becomes the block of features [c·HW, (c+1)·HW). */
function flattenIds(c: PropagateContext): boolean {
  const ids = c.ids(0);
  const inShape = c.inShape(0);
  const out = c.outShape(0);
  if (ids === undefined) return true;
  if (inShape === undefined || out === undefined) return false;
  const block = inShape.slice(2).reduce((a, d) => a * d, 1);
  if (out.length !== 2 || out[1] !== ids.length * block) return false;
  const expanded = new Int32Array(ids.length * block);
  for (let j = 0; j < expanded.length; j++) expanded[j] = ids[Math.floor(j / block)] as number;
  c.share(0, expanded);
  return true;
}

const flatten: ChannelRule = {
  propagate: (c) => {
    if (c.ids(0) === undefined) return;
    if (c.node.attrInt('axis', 1) !== 1) return c.block('Flatten with axis != 1 mixes the batch and channel axes');
    if (!flattenIds(c)) return c.block('the spatial dimensions are not static');
  },
};

const reshape: ChannelRule = {
  propagate: (c) => {
    if (c.ids(0) === undefined) return;
    const target = c.constant(1);
    if (target === undefined || target.size !== 2) return c.block('only a constant reshape to [N, C·H·W] (a flatten) is supported');
    if (!flattenIds(c)) return c.block('only a reshape to [N, C·H·W] (a flatten) is supported');
  },
  finish: (c: FinishContext) => {
    const shapeValue = c.node.input(1);
    const t = shapeValue.initializer;
    const out = c.node.output(0);
    if (t === undefined || !c.changed(out)) return;
    const dims = t.toNumbers();
    if ((dims[1] as number) <= 0) return;
    const fresh = c.graph.addInitializer(c.graph.uniqueName(`${shapeValue.name}_pruned`), Tensor.i64([2], [dims[0] as number, c.kept(out)]));
    c.node.setInput(1, fresh);
    if (shapeValue.uses.length === 0) c.graph.removeInitializer(shapeValue);
  },
};

const concat: ChannelRule = {
  propagate: (c) => {
    const rank = c.outShape(0)?.length;
    const axis = c.node.attrInt('axis', 0);
    const inputs = c.node.inputs.map((_, i) => c.ids(i));
    if (inputs.every((x) => x === undefined)) return;
    if (rank === undefined || (axis !== 1 && axis !== 1 - rank)) return c.block(`Concat along axis ${axis} (not the channel axis)`);
    if (inputs.some((x) => x === undefined)) return c.block('an input carries untracked channels (e.g. a constant)');
    const all = new Int32Array(inputs.reduce((n, x) => n + (x as Int32Array).length, 0));
    let at = 0;
    for (const x of inputs as Int32Array[]) {
      all.set(x, at);
      at += x.length;
    }
    c.share(0, all);
  },
};

/** Pad: channels pass through when no padding is applied on the batch or channel axes. */
const pad: ChannelRule = {
  propagate: (c) => {
    const ids = c.ids(0);
    if (ids === undefined) return;
    const pads = c.constant(1)?.toNumbers();
    const rank = c.inShape(0)?.length ?? 0;
    if (pads === undefined || c.node.inputs[3] !== undefined) return c.block('pads must be a constant over all axes');
    if ([0, 1, rank, rank + 1].some((i) => (pads[i] ?? 0) !== 0)) return c.block('padding along the channel axis');
    c.share(0, ids);
  },
};

/** Reductions over spatial axes only (axes from the attribute or a constant input). */
const reduce: ChannelRule = {
  propagate: (c) => {
    const ids = c.ids(0);
    if (ids === undefined) return;
    const axes = c.node.attrInts('axes') ?? c.constant(1)?.toNumbers();
    const rank = c.inShape(0)?.length ?? 0;
    if (axes === undefined || axes.length === 0) return c.block('reduction over all axes');
    if (axes.some((a) => (a < 0 ? a + rank : a) <= 1)) return c.block('reduction over the batch or channel axis');
    c.share(0, ids);
  },
};

const UNARY = [
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Elu', 'Selu', 'Celu', 'HardSigmoid', 'HardSwish', 'Softplus', 'Softsign',
  'Gelu', 'Mish', 'ThresholdedRelu', 'Identity', 'Neg', 'Abs', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Floor', 'Ceil',
  'Round', 'Erf', 'Sign', 'Cast', 'Clip', 'AveragePool', 'LpPool', 'GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool',
];

const ELEMENTWISE = ['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Sum', 'Mean', 'PRelu', 'Pow'];

function table(): ReadonlyMap<string, ChannelRule> {
  const m = new Map<string, ChannelRule>();
  const put = (op: string, r: ChannelRule): void => {
    if (m.has(op)) throw new Error(`duplicate channel-pruning rule for '${op}'`);
    m.set(op, r);
  };
  for (const op of UNARY) put(op, passThrough());
  for (const op of ELEMENTWISE) put(op, elementwise);
  put('Dropout', passThrough(2));
  put('MaxPool', passThrough(1));
  put('Conv', conv);
  put('ConvTranspose', convTranspose);
  put('Gemm', denseRule('Gemm'));
  put('MatMul', denseRule('MatMul'));
  put('BatchNormalization', batchNorm);
  put('InstanceNormalization', instanceNorm);
  put('Flatten', flatten);
  put('Reshape', reshape);
  put('Concat', concat);
  put('Pad', pad);
  for (const op of ['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceSum', 'ReduceL2']) put(op, reduce);
  return m;
}

/** The channel-pruning rule table (ai.onnx ops). */
export const CHANNEL_RULES: ReadonlyMap<string, ChannelRule> = table();
