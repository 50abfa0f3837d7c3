/** Rewritten models are trainable: the generated training graph runs a step with a finite loss. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor } from '../../ir/tensor.js';
import { Session } from '../../runtime/session.js';
import { buildTrainingGraph } from '../../train/training-graph.js';
import { buildZooModel } from '../../zoo/index.js';
import { rewrite } from './rewrite.js';
import type { RewriteOptions } from './types.js';

const CASES: ReadonlyArray<[string, number, RewriteOptions]> = [
  ['vgg', 0.25, { to: 'depthwise' }],
  ['vgg', 0.25, { to: 'fire' }],
  ['vgg', 0.25, { to: 'shuffle', options: { groups: 2 } }],
  ['lenet5', 0.5, { to: 'factorize' }],
  ['lenet5', 0.5, { to: '5x5-to-3x3', options: { midChannels: 4 } }],
  ['lenet5', 0.5, { to: 'gap' }],
  ['resnet20', 0.25, { to: 'width', options: { widthMult: 1.5 } }],
  ['shufflenet', 0.25, { to: 'resolution', options: { size: '20x20' } }],
];

test('every rewrite yields a model whose training graph runs a finite step', async () => {
  for (const [zoo, width, opts] of CASES) {
    const { model } = rewrite(buildZooModel(zoo, { width }), opts);
    const { model: training, info } = buildTrainingGraph(model, { optimizer: { kind: 'sgd' } });
    const dims = [2, ...(model.graph.inputs[0]?.shape?.slice(1) as number[])];
    const n = dims.reduce((a, d) => a * d, 1);
    const feeds: Record<string, Tensor> = {
      [info.input]: Tensor.f32(dims, Array.from({ length: n }, (_, i) => Math.sin(i))), [info.labels]: Tensor.i64([2], [1, 7]),
    };
    feeds[info.scalars.lr] = Tensor.scalar(0.01);
    for (const p of info.params) {
      feeds[p.name] = model.graph.initializers.get(p.name)?.initializer as Tensor;
      for (const st of p.state) feeds[st.input] = Tensor.f32(p.dims);
    }
    for (const b of info.buffers) feeds[b.name] = model.graph.initializers.get(b.name)?.initializer as Tensor;
    const s = await Session.create(training, { threads: 1 });
    try {
      const out = await s.run(feeds);
      assert.ok(Number.isFinite((out.loss?.data as Float32Array)[0]), `${zoo} ${opts.to}`);
    } finally {
      await s.release();
    }
  }
});
