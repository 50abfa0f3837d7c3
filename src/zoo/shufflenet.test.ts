import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../ir/builder.js';
import { Tensor } from '../ir/tensor.js';
import type { Value } from '../ir/value.js';
import { checkModel } from '../ir/verify.js';
import { modelStats } from '../metrics/layer-stats.js';
import { inferShapes } from '../passes/infer-shapes.js';
import { Session } from '../runtime/session.js';
import { buildModel } from '../testing/grad-models.js';
import { gradcheck } from '../testing/gradcheck.js';
import { channelShuffle, shuffledPosition } from './shuffle.js';
import { shufflenet } from './shufflenet.js';

async function run(model: ReturnType<GraphBuilder['build']>, x: Tensor): Promise<Float32Array> {
  const s = await Session.create(model, { threads: 1 });
  try {
    const out = await s.run({ [model.graph.inputs[0]?.name ?? 'input']: x });
    return Object.values(out)[0]?.data as Float32Array;
  } finally {
    await s.release();
  }
}

test('the channel shuffle is the permutation shuffledPosition (checked on an arange input)', async () => {
  const [n, c, h, w, g] = [2, 12, 2, 3, 3];
  const b = new GraphBuilder('shuffle');
  const x = b.input('x', 'float32', ['N', c, h, w]);
  b.output(channelShuffle(b, x, g, [c, h, w], 'unit'), 'y');
  const model = b.build();
  checkModel(model);
  const input = Tensor.f32([n, c, h, w], Array.from({ length: n * c * h * w }, (_, i) => i));
  const y = await run(model, input);
  const hw = h * w;
  for (let s = 0; s < n; s++) {
    for (let ch = 0; ch < c; ch++) {
      const to = shuffledPosition(ch, c, g);
      for (let p = 0; p < hw; p++) assert.equal(y[(s * c + to) * hw + p], (s * c + ch) * hw + p);
    }
  }
  assert.deepEqual([...y].sort((a, b2) => a - b2), [...input.data]);
  // Group i's j-th channel lands next to the other groups' j-th channels.
  assert.deepEqual(Array.from({ length: c }, (_, ch) => shuffledPosition(ch, c, g)), [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
});

test('a shuffle unit branch (grouped 1x1, shuffle, depthwise stride 2, grouped 1x1, avg-pool concat) has correct gradients', async () => {
  const model = buildModel(
    [{ name: 'x', shape: [2, 6, 5, 5] }, { name: 'w1', shape: [6, 2, 1, 1] }, { name: 'dw', shape: [6, 1, 3, 3] }, { name: 'w2', shape: [3, 2, 1, 1] }],
    (b, xs) => {
      const [x, w1, dw, w2] = xs as [Value, Value, Value, Value];
      let y = b.op('Conv', [x, w1], { group: 3 });
      y = channelShuffle(b, y, 3, [6, 5, 5], 'u');
      y = b.op('Conv', [y, dw], { group: 6, strides: [2, 2], pads: [1, 1, 1, 1] });
      y = b.op('Conv', [y, w2], { group: 3 });
      const pooled = b.op('AveragePool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
      return b.op('Concat', [pooled, y], { axis: 1 });
    },
    { dtype: 'float32' },
  );
  // Every op is linear in each input, so a large step is exact up to float32 rounding.
  await gradcheck(model, { eps: 1, rtol: 1e-3, atol: 1e-3 });
});

test('ShuffleNet: stages halve the map (28 -> 14 -> 7 -> 4), convs are grouped, channels divide by the groups', () => {
  const m = shufflenet({ width: 0.5, groups: 3 });
  checkModel(m);
  inferShapes(m);
  const conv = (name: string): { group: number; dims: readonly number[]; out: readonly unknown[] } => {
    const node = m.graph.findNode(name);
    assert.ok(node !== undefined, name);
    return { group: node.attrInt('group', 1), dims: node.input(1).initializer?.dims ?? [], out: node.output(0).shape ?? [] };
  };
  assert.equal(conv('stages.0.0.gconv1').group, 1, 'the first unit reads the stem with an ungrouped 1x1');
  assert.equal(conv('stages.0.1.gconv1').group, 3);
  assert.equal(conv('stages.1.0.gconv2').group, 3);
  const dw = conv('stages.1.0.dwconv');
  assert.equal(dw.group, dw.dims[0]);
  assert.deepEqual(conv('stages.0.0.gconv2').out.slice(2), [14, 14]);
  assert.deepEqual(conv('stages.1.0.gconv2').out.slice(2), [7, 7]);
  assert.deepEqual(conv('stages.2.0.gconv2').out.slice(2), [4, 4]);
  for (const n of m.graph.nodes) {
    if (n.opType !== 'Conv') continue;
    const w = n.input(1).initializer?.dims ?? [];
    assert.equal((w[0] as number) % n.attrInt('group', 1), 0, n.name);
  }
  assert.equal(m.graph.nodes.filter((n) => n.opType === 'Transpose').length, 7, 'one shuffle per unit after the first');
  assert.deepEqual(m.graph.outputs[0]?.shape, ['N', 10]);
});

test('ShuffleNet MACs grow with the width multiplier; bad groups and repeats are typed errors', async () => {
  const macs = [0.25, 0.5, 1].map((w) => modelStats(shufflenet({ width: w })).macs);
  assert.ok((macs[0] as number) < (macs[1] as number) && (macs[1] as number) < (macs[2] as number), macs.join(','));
  assert.throws(() => shufflenet({ groups: 5 }), /groups must be one of/);
  assert.throws(() => shufflenet({ repeats: [1, 1, 1, 1] }), /repeats/);
  const y = await run(shufflenet({ width: 0.25, groups: 2 }), Tensor.f32([2, 1, 28, 28], Array.from({ length: 1568 }, (_, i) => Math.sin(i))));
  assert.equal(y.length, 20);
  assert.ok(y.every(Number.isFinite));
});
