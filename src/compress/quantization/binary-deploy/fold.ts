/**
 * Folding a binary layer's neighbours into the kernel call: the BatchNormalization before the Sign (as a
 * per-channel affine taken before the sign), the Mul by a per-channel scale after the Conv / Gemm (into
 * alpha / beta), and an Add of a same-shaped tensor after that (a residual shortcut, added in the epilogue).
 */
import type { Model } from '../../../ir/graph.js';
import type { Node } from '../../../ir/node.js';
import { dimsEqual, type Shape } from '../../../ir/shape.js';
import type { Tensor } from '../../../ir/tensor.js';
import type { Value } from '../../../ir/value.js';
import { packBinaryWeights } from '../../../kernels/xnor/packed.js';
import { constantValue } from '../../../onnx/index.js';
import { batchNormAffine, type BatchNormAffine } from '../../../passes/fold-batchnorm.js';
import type { inferValueInfo } from '../../../passes/infer-shapes.js';
import type { BinaryLayer, Core } from './detect.js';

type Infos = ReturnType<typeof inferValueInfo>;

const isOnnx = (n: Node, op: string): boolean => n.opType === op && (n.domain === '' || n.domain === 'ai.onnx');

/** The node reading `v`, when it is the only reader and `v` is not a graph output. */
function soleConsumer(v: Value, model: Model): Node | undefined {
  return v.uses.length === 1 && !model.graph.outputs.includes(v) ? v.uses[0]?.node : undefined;
}

export function foldNeighbours(c: Core, model: Model, info: Infos): BinaryLayer {
  const y = c.node.output(0);
  const mul = soleConsumer(y, model);
  let scale: Float32Array | undefined;
  if (mul !== undefined && isOnnx(mul, 'Mul') && mul.inputs.length === 2) {
    const other = mul.inputs[mul.inputs[0] === y ? 1 : 0];
    const s = other === undefined ? undefined : constantValue(other);
    if (s !== undefined && (s.dtype === 'float32' || s.dtype === 'float64') && channelScale(s, c.m, c.kind)) {
      const sv = s.toFloat32();
      scale = Float32Array.from({ length: c.m }, (_, i) => sv[s.size === 1 ? 0 : i] as number);
    }
  }
  const alpha = Float32Array.from({ length: c.m }, (_, i) => c.alpha * (scale?.[i] ?? 1));
  const beta = Float32Array.from({ length: c.m }, (_, i) => (c.bias?.[i] ?? 0) * (scale?.[i] ?? 1));
  const weights = packBinaryWeights(c.weight, { kind: c.kind, transB: c.transB, name: c.node.name, ...(scale === undefined ? {} : { scales: scale }) });
  const folded = scale === undefined ? undefined : mul;
  const out = folded?.output(0) ?? y;
  const res = residualAdd(out, model, info);
  const bn = foldableBatchNorm(c.sign.input(0), c.weight.dims[c.kind === 'gemm' && !c.transB ? 0 : 1] as number);
  return {
    kind: c.kind, node: c.node, sign: c.sign, mul: folded, input: bn?.node.input(0) ?? c.sign.input(0), batchNorm: bn?.node,
    inputAffine: bn?.affine, output: res?.add.output(0) ?? out, add: res?.add, residual: res?.residual, weights, alpha, beta,
    geometry: c.geometry,
  };
}

/** An Add reading `out` and another float tensor of exactly the same (statically known) shape. */
function residualAdd(out: Value, model: Model, info: Infos): { add: Node; residual: Value } | undefined {
  const add = soleConsumer(out, model);
  if (add === undefined || !isOnnx(add, 'Add') || add.inputs.length !== 2 || add.inputs[0] === add.inputs[1]) return undefined;
  const residual = add.inputs[add.inputs[0] === out ? 1 : 0];
  if (residual === undefined || constantValue(residual) !== undefined) return undefined;
  const a = info.get(out);
  const r = info.get(residual);
  if (r?.dtype !== 'float32' || !sameShape(a?.shape, r.shape) || !sameShape(a?.shape, info.get(add.output(0))?.shape)) return undefined;
  return { add, residual };
}

function sameShape(a: Shape | undefined, b: Shape | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length && a.every((d, i) => d !== null && dimsEqual(d, b[i] ?? null));
}

/**
 * An inference-mode BatchNormalization producing `x` from constant parameters, as y = scale[c]·x + shift[c]
 * (scale = γ / sqrt(var + ε), shift = β − scale·mean); undefined when `x` is not such a node's output.
 */
function foldableBatchNorm(x: Value, channels: number): { node: Node; affine: BatchNormAffine } | undefined {
  const bn = x.producer;
  const input = bn?.inputs[0];
  if (bn === undefined || input === undefined) return undefined;
  if (input.dtype !== undefined && input.dtype !== 'float32') return undefined;
  const affine = batchNormAffine(bn, channels);
  return affine === undefined ? undefined : { node: bn, affine };
}

/** Whether a constant of these dims multiplies output channel m by element m (or everything by one value). */
function channelScale(s: Tensor, m: number, kind: 'conv' | 'gemm'): boolean {
  if (s.size === 1) return s.rank <= (kind === 'conv' ? 4 : 2);
  if (s.size !== m) return false;
  const d = s.dims.join(',');
  return kind === 'conv' ? d === `1,${m},1,1` || d === `${m},1,1` : d === `${m}` || d === `1,${m}`;
}
