/**
 * XNOR-Net-style models in the deployment form, with random weights, for tests and benchmarks of the
 * binary runner (a trained XNOR-Net has the same structure and runs unchanged):
 *   binary block = BatchNormalization → Sign → Conv/Gemm (±1 weights, no bias) → Mul (per-channel scale);
 *   first and last layers in full precision, as in XNOR-Net.
 * BatchNorm statistics and scales are random so signs are balanced and outputs are not trivially equal.
 */
import { SlimnetError } from '../../../ir/errors.js';
import type { Model } from '../../../ir/graph.js';
import type { Dim } from '../../../ir/shape.js';
import { Tensor } from '../../../ir/tensor.js';
import { Rng } from '../../../util/rng.js';
import { NetBuilder, type Act } from '../../../zoo/layers.js';
import { resolveZooOptions, type ZooOptions } from '../../../zoo/options.js';

class XnorNet {
  readonly n: NetBuilder;
  private readonly rng: Rng;

  constructor(name: string, seed: number) {
    this.n = new NetBuilder(name, seed);
    this.rng = new Rng(seed + 1);
  }

  /** BatchNorm with random statistics (so Sign sees both signs), in place of the zoo's identity init. */
  bn(x: Act, name: string): Act {
    const y = this.n.batchNorm(x, name);
    const init = (suffix: string, f: () => number): void => {
      const t = this.n.b.graph.initializers.get(`${name}.${suffix}`)?.initializer;
      if (t === undefined) throw new SlimnetError('INVALID_ARGUMENT', `fixture: no ${name}.${suffix}`);
      const d = t.data as Float32Array;
      for (let i = 0; i < d.length; i++) d[i] = f();
    };
    init('weight', () => this.rng.uniform(0.5, 1.5) * (this.rng.next() < 0.1 ? -1 : 1));
    init('bias', () => 0.2 * this.rng.normal());
    init('running_mean', () => 0.2 * this.rng.normal());
    init('running_var', () => this.rng.uniform(0.5, 2));
    return y;
  }

  /** BN → Sign → Conv(±1) → Mul(scale [1, M, 1, 1]). */
  binaryConv(x: Act, name: string, cout: number, k: number, stride = 1, pad = 0): Act {
    const b = this.n.b;
    const [cin, h, w] = x.shape as [number, number, number];
    const s = b.op('Sign', [this.bn(x, `${name}.bn`).v], {}, { name: `${name}.sign` });
    const weight = b.initializer(`${name}.weight`, this.signs([cout, cin, k, k]));
    const y = b.op('Conv', [s, weight], { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad], dilations: [1, 1], group: 1 }, { name });
    const scale = b.initializer(`${name}.scale`, this.scales([1, cout, 1, 1], cin * k * k));
    const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
    const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
    return this.act(b.op('Mul', [y, scale], {}, { name: `${name}.mul` }), [cout, oh, ow]);
  }

  /** BN → Sign → Gemm(±1, transB) → Mul(scale [M]). */
  binaryFc(x: Act, name: string, out: number): Act {
    const b = this.n.b;
    const inF = x.shape[0] as number;
    const s = b.op('Sign', [this.bn(x, `${name}.bn`).v], {}, { name: `${name}.sign` });
    const y = b.op('Gemm', [s, b.initializer(`${name}.weight`, this.signs([out, inF]))], { transB: 1 }, { name });
    return this.act(b.op('Mul', [y, b.initializer(`${name}.scale`, this.scales([out], inF))], {}, { name: `${name}.mul` }), [out]);
  }

  private signs(dims: number[]): Tensor {
    const t = Tensor.f32(dims);
    const d = t.data as Float32Array;
    for (let i = 0; i < d.length; i++) d[i] = this.rng.next() < 0.5 ? -1 : 1;
    return t;
  }

  /** Positive scales around 1/sqrt(fan-in), like XNOR-Net's mean |W| of a He-initialised layer. */
  private scales(dims: number[], fanIn: number): Tensor {
    const t = Tensor.f32(dims);
    const d = t.data as Float32Array;
    for (let i = 0; i < d.length; i++) d[i] = this.rng.uniform(0.5, 1.5) / Math.sqrt(fanIn);
    return t;
  }

  private act(v: Act['v'], shape: readonly number[]): Act {
    v.dtype = 'float32';
    v.shape = ['N', ...shape] as Dim[];
    return { v, shape };
  }
}

/** LeNet-5 (Caffe) as an XNOR-Net: float conv1, binary conv2 (20→50, 5×5) and fc1 (800→500), float fc2. */
export function xnorLenet5(opts: ZooOptions = {}): Model {
  const o = resolveZooOptions(opts);
  const net = new XnorNet('lenet5-xnor', o.seed);
  const n = net.n;
  let x = n.maxPool(n.conv(n.input(o.inputShape), 'conv1', 20, 5), 2);
  x = n.maxPool(net.binaryConv(x, 'conv2', 50, 5), 2);
  x = n.relu(net.binaryFc(n.flatten(x), 'fc1', 500));
  return n.finish(n.fc(x, 'fc2', o.numClasses, 'xavier'), 'LeNet-5 XNOR-Net form: float conv1, binary conv2 and fc1, float fc2');
}

/** ResNet-20 as an XNOR-Net: float stem and classifier, 18 binary 3×3 convs, float 1×1 projection shortcuts. */
export function xnorResnet20(opts: ZooOptions = {}): Model {
  const o = resolveZooOptions(opts);
  const net = new XnorNet('resnet20-xnor', o.seed);
  const n = net.n;
  let x = n.relu(net.bn(n.conv(n.input(o.inputShape), 'conv1', 16, 3, { pad: 1, bias: false }), 'bn1'));
  [16, 32, 64].forEach((c, s) => {
    for (let i = 0; i < 3; i++) {
      const name = `layer${s + 1}.${i}`;
      const stride = s > 0 && i === 0 ? 2 : 1;
      let y = net.binaryConv(x, `${name}.conv1`, c, 3, stride, 1);
      y = net.binaryConv(y, `${name}.conv2`, c, 3, 1, 1);
      let shortcut = x;
      if (stride !== 1 || x.shape[0] !== c) shortcut = net.bn(n.conv(x, `${name}.shortcut.conv`, c, 1, { stride, bias: false }), `${name}.shortcut.bn`);
      x = n.add(y, shortcut);
    }
  });
  x = n.relu(net.bn(x, 'bn_final'));
  return n.finish(n.fc(n.globalAvgPool(x), 'fc', o.numClasses, 'xavier'), 'ResNet-20 XNOR-Net form: 18 binary 3x3 convs, float stem, shortcuts and classifier');
}
