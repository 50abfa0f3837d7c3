/**
 * NetBuilder: a thin layer vocabulary over GraphBuilder for the model zoo. It tracks the static shape of
 * each activation (batch dimension 'N'), names parameters PyTorch-style (`conv1.weight`, `bn1.bias`...)
 * and draws initial weights from a seeded Rng:
 *   - conv / fc weights followed by ReLU: He (Kaiming) normal, std = sqrt(2 / fan_in);
 *   - the classifier: Xavier (Glorot) uniform, limit = sqrt(6 / (fan_in + fan_out));
 *   - biases 0; BatchNorm scale 1, bias 0, running mean 0, running variance 1.
 */
import { GraphBuilder } from '../ir/builder.js';
import { SlimnetError } from '../ir/errors.js';
import type { Model } from '../ir/graph.js';
import type { Dim } from '../ir/shape.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { Rng } from '../util/rng.js';
import { channelShuffle } from './shuffle.js';

/** An activation: its value and static per-sample shape ([C, H, W] or [D]). */
export interface Act {
  readonly v: Value;
  readonly shape: readonly number[];
}

/** Weight initialisation: 'he' (Kaiming normal, for ReLU layers) or 'xavier' (Glorot, for the classifier). */
export type Init = 'he' | 'xavier';

export interface ConvOptions {
  readonly stride?: number;
  /** Symmetric padding (default 0). */
  readonly pad?: number;
  readonly group?: number;
  /** Add a bias (default true; zoo convs followed by BatchNorm pass false). */
  readonly bias?: boolean;
  readonly init?: Init;
}

export class NetBuilder {
  readonly b: GraphBuilder;
  private readonly rng: Rng;

  constructor(name: string, seed: number) {
    this.b = new GraphBuilder(name);
    this.rng = new Rng(seed);
  }

  /** The image input 'input' [N, C, H, W]. */
  input(shape: readonly number[]): Act {
    return this.act(this.b.input('input', 'float32', ['N', ...shape]), shape);
  }

  conv(x: Act, name: string, cout: number, k: number, o: ConvOptions = {}): Act {
    const [cin, h, w] = chw(x, name);
    const stride = o.stride ?? 1;
    const pad = o.pad ?? 0;
    const group = o.group ?? 1;
    if (cin % group !== 0 || cout % group !== 0) {
      throw new SlimnetError('INVALID_ARGUMENT', `${name}: channels ${cin} -> ${cout} not divisible by group ${group}`);
    }
    const fanIn = (cin / group) * k * k;
    const weight = this.param(`${name}.weight`, [cout, cin / group, k, k], o.init ?? 'he', fanIn, (cout / group) * k * k);
    const inputs = [x.v, weight];
    if (o.bias ?? true) inputs.push(this.zeros(`${name}.bias`, [cout]));
    const y = this.b.op('Conv', inputs, {
      kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad], dilations: [1, 1], group,
    }, { name });
    const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
    const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
    return this.act(y, [cout, oh, ow]);
  }

  batchNorm(x: Act, name: string): Act {
    const c = x.shape[0] as number;
    const scale = this.param(`${name}.weight`, [c], 'ones', 1, 1);
    const bias = this.zeros(`${name}.bias`, [c]);
    const mean = this.zeros(`${name}.running_mean`, [c]);
    const variance = this.b.initializer(`${name}.running_var`, Tensor.f32([c], new Array<number>(c).fill(1)));
    const y = this.b.op('BatchNormalization', [x.v, scale, bias, mean, variance], { epsilon: 1e-5, momentum: 0.9 }, { name });
    return this.act(y, x.shape);
  }

  relu(x: Act): Act {
    return this.act(this.b.op('Relu', [x.v]), x.shape);
  }

  /** Dropout with the given drop ratio (identity at inference; the trainer switches it to training mode). */
  dropout(x: Act, ratio: number): Act {
    return this.act(this.b.op('Dropout', [x.v, this.b.constant(ratio, [], 'dropout_ratio')]), x.shape);
  }

  add(a: Act, c: Act): Act {
    return this.act(this.b.op('Add', [a.v, c.v]), a.shape);
  }

  maxPool(x: Act, k: number, stride = k): Act {
    const [c, h, w] = chw(x, 'maxpool');
    const y = this.b.op('MaxPool', [x.v], { kernel_shape: [k, k], strides: [stride, stride], pads: [0, 0, 0, 0] });
    return this.act(y, [c, Math.floor((h - k) / stride) + 1, Math.floor((w - k) / stride) + 1]);
  }

  /** AveragePool with symmetric padding (padded positions are not counted: count_include_pad 0). */
  avgPool(x: Act, k: number, stride: number, pad = 0): Act {
    const [c, h, w] = chw(x, 'avgpool');
    const y = this.b.op('AveragePool', [x.v], { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad] });
    return this.act(y, [c, Math.floor((h + 2 * pad - k) / stride) + 1, Math.floor((w + 2 * pad - k) / stride) + 1]);
  }

  /** Concatenation along the channel axis. */
  concat(a: Act, c: Act): Act {
    const [ca, h, w] = chw(a, 'concat');
    const [cc, h2, w2] = chw(c, 'concat');
    if (h !== h2 || w !== w2) throw new SlimnetError('INVALID_ARGUMENT', `concat: spatial sizes ${h}x${w} and ${h2}x${w2} differ`);
    return this.act(this.b.op('Concat', [a.v, c.v], { axis: 1 }), [ca + cc, h, w]);
  }

  /** ShuffleNet's channel shuffle over `groups` groups (Reshape, Transpose, Reshape). */
  channelShuffle(x: Act, groups: number, name: string): Act {
    return this.act(channelShuffle(this.b, x.v, groups, chw(x, name), name), x.shape);
  }

  /** GlobalAveragePool followed by Flatten: [N, C]. */
  globalAvgPool(x: Act): Act {
    const [c] = chw(x, 'gap');
    const pooled = this.act(this.b.op('GlobalAveragePool', [x.v]), [c, 1, 1]);
    return this.flatten(pooled);
  }

  flatten(x: Act): Act {
    return this.act(this.b.op('Flatten', [x.v], { axis: 1 }), [x.shape.reduce((a, d) => a * d, 1)]);
  }

  /** Fully connected layer: Gemm with weight [out, in] (transB = 1) and bias [out]. */
  fc(x: Act, name: string, out: number, init: Init = 'he'): Act {
    if (x.shape.length !== 1) throw new SlimnetError('INVALID_ARGUMENT', `${name}: fc needs a flat input, got [${x.shape.join(',')}]`);
    const inF = x.shape[0] as number;
    const weight = this.param(`${name}.weight`, [out, inF], init, inF, out);
    const bias = this.zeros(`${name}.bias`, [out]);
    return this.act(this.b.op('Gemm', [x.v, weight, bias], { transB: 1 }, { name }), [out]);
  }

  /** Declares `x` the output 'logits' and returns the model (opset 17). */
  finish(x: Act, docString: string): Model {
    this.b.output(x.v, 'logits');
    const model = this.b.build(17);
    model.graph.docString = docString;
    return model;
  }

  private act(v: Value, shape: readonly number[]): Act {
    v.dtype = 'float32';
    v.shape = ['N', ...shape] as Dim[];
    return { v, shape };
  }

  private zeros(name: string, dims: readonly number[]): Value {
    return this.b.initializer(name, Tensor.f32(dims));
  }

  private param(name: string, dims: readonly number[], init: Init | 'ones', fanIn: number, fanOut: number): Value {
    return this.b.initializer(name, initTensor(this.rng, dims, init, fanIn, fanOut));
  }
}

/**
 * A float32 tensor drawn like the zoo's weights: 'he' normal with std sqrt(2 / fanIn), 'xavier' uniform
 * with limit sqrt(6 / (fanIn + fanOut)), or all ones. Graph rewrites use it to initialise new layers.
 */
export function initTensor(rng: Rng, dims: readonly number[], init: Init | 'ones', fanIn: number, fanOut: number): Tensor {
  const t = Tensor.f32(dims);
  const data = t.data as Float32Array;
  if (init === 'ones') data.fill(1);
  else if (init === 'he') {
    const std = Math.sqrt(2 / fanIn);
    for (let i = 0; i < data.length; i++) data[i] = std * rng.normal();
  } else {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-limit, limit);
  }
  return t;
}

function chw(x: Act, what: string): [number, number, number] {
  if (x.shape.length !== 3) {
    throw new SlimnetError('INVALID_ARGUMENT', `${what}: needs a [C,H,W] activation, got [${x.shape.join(',')}]`);
  }
  return x.shape as [number, number, number];
}
