/**
 * Small models exercising every coupling the dependency graph knows (BN chains, residual Adds with
 * projection shortcuts, Concat, depthwise convs, Flatten / Reshape → Gemm, per-channel constants), plus
 * `zeroChannels`, which makes chosen channels output exact zeros so that removing them must leave the
 * model's outputs unchanged. Used by the tests and the examples.
 */
import type { Model } from '../../../ir/graph.js';
import { Rng } from '../../../util/rng.js';
import { NetBuilder, type Act } from '../../../zoo/layers.js';
import type { DependencyGraph, RemovalPlan } from './types.js';

export type FixtureName = 'chain' | 'residual' | 'concat' | 'depthwise' | 'flatten' | 'reshape' | 'constants';

function act(v: Act['v'], shape: readonly number[]): Act {
  v.dtype = 'float32';
  v.shape = ['N', ...shape];
  return { v, shape };
}

function convBnRelu(n: NetBuilder, x: Act, name: string, cout: number, k = 3, stride = 1, relu = true): Act {
  const y = n.batchNorm(n.conv(x, name, cout, k, { pad: (k - 1) / 2, stride, bias: false }), `${name}.bn`);
  return relu ? n.relu(y) : y;
}

function head(n: NetBuilder, x: Act, classes = 5): Model {
  return n.finish(n.fc(n.globalAvgPool(x), 'fc', classes, 'xavier'), 'fixture');
}

/** Builds a fixture with random (seeded) weights and BatchNorm statistics. */
export function buildFixture(name: FixtureName, seed = 1): Model {
  const n = new NetBuilder(name, seed);
  const x = n.input([2, 8, 8]);
  let model: Model;
  switch (name) {
    case 'chain':
      model = head(n, convBnRelu(n, convBnRelu(n, x, 'c1', 6), 'c2', 5));
      break;
    case 'residual': {
      const a = convBnRelu(n, x, 'stem', 4);
      const b = n.relu(n.add(convBnRelu(n, convBnRelu(n, a, 'b1.c1', 3), 'b1.c2', 4, 3, 1, false), a));
      const c = convBnRelu(n, convBnRelu(n, b, 'b2.c1', 5, 3, 2), 'b2.c2', 6, 3, 1, false);
      const s = n.batchNorm(n.conv(b, 'b2.short', 6, 1, { stride: 2, bias: false }), 'b2.short.bn');
      const d = n.relu(n.add(c, s));
      model = head(n, n.relu(n.add(convBnRelu(n, d, 'b3.c1', 6, 3, 1, false), d)));
      break;
    }
    case 'concat': {
      const a = convBnRelu(n, x, 'a', 3);
      const b = convBnRelu(n, x, 'b', 4, 1);
      const cat = act(n.b.op('Concat', [a.v, b.v], { axis: 1 }), [7, 8, 8]);
      model = head(n, convBnRelu(n, n.relu(cat), 'c', 5));
      break;
    }
    case 'depthwise': {
      const a = convBnRelu(n, x, 'stem', 4);
      const dw = n.relu(n.batchNorm(n.conv(a, 'dw', 4, 3, { pad: 1, group: 4, bias: false }), 'dw.bn'));
      model = head(n, convBnRelu(n, dw, 'pw', 6, 1));
      break;
    }
    case 'flatten':
    case 'reshape': {
      const a = n.maxPool(n.relu(n.conv(x, 'conv', 4, 3, { pad: 1 })), 2);
      const flat = name === 'flatten'
        ? n.flatten(a)
        : act(n.b.op('Reshape', [a.v, n.b.constInt64([-1, 64])]), [64]);
      model = n.finish(n.fc(n.relu(n.fc(flat, 'fc1', 8)), 'fc2', 3, 'xavier'), 'fixture');
      break;
    }
    case 'constants': {
      const a = n.conv(x, 'conv', 4, 3, { pad: 1 });
      const scaled = act(n.b.op('Mul', [a.v, n.b.constant([0.5, 1, 1.5, 2], [4, 1, 1], 'scale')]), a.shape);
      const shifted = act(n.b.op('Add', [scaled.v, n.b.constant([0.1, -0.2, 0.3, 0.4], [1, 4, 1, 1], 'shift')]), a.shape);
      model = head(n, convBnRelu(n, n.relu(shifted), 'c2', 3));
      break;
    }
  }
  randomizeBatchNorm(model, seed);
  return model;
}

/** Random BatchNorm parameters and statistics (running variance kept positive). */
export function randomizeBatchNorm(model: Model, seed: number): void {
  const rng = new Rng(seed + 1000);
  for (const [name, v] of model.graph.initializers) {
    const data = v.initializer?.data;
    if (!(data instanceof Float32Array)) continue;
    if (/\.bn\.(weight|bias|running_mean)$|bn\.(weight|bias|running_mean)$/.test(name)) for (let i = 0; i < data.length; i++) data[i] = rng.normal() * 0.5 + (name.endsWith('weight') ? 1 : 0);
    else if (name.endsWith('running_var')) for (let i = 0; i < data.length; i++) data[i] = rng.uniform(0.5, 1.5);
  }
}

/**
 * Makes the planned channels output exact zeros (in place on `dep.model`): their filters, biases,
 * BatchNorm γ / β and per-channel constants are zeroed (running variances are left alone), so the channels
 * contribute nothing downstream and removing them must not change the model's outputs.
 */
export function zeroChannels(dep: DependencyGraph, plan: RemovalPlan): void {
  for (const [id, channels] of plan) {
    const g = dep.groups[id];
    if (g === undefined) continue;
    const set = new Set(channels);
    for (const s of g.slices) {
      if (s.role === 'in' || (s.node.opType === 'BatchNormalization' && s.input === 4)) continue;
      const t = s.node.input(s.input).initializer;
      if (t === undefined || !(t.data instanceof Float32Array)) continue;
      const inner = t.dims.slice(s.axis + 1).reduce((a, d) => a * d, 1);
      const len = t.dims[s.axis] as number;
      for (let i = 0; i < t.size; i++) {
        const pos = Math.floor(i / inner) % len;
        if (set.has(s.channel[pos] as number)) t.data[i] = 0;
      }
    }
  }
}
