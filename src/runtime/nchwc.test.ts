import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../ir/builder.js';
import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { NCHWC_DOMAIN } from '../passes/nchwc-conv.js';
import { expectClose } from '../testing/expect-close.js';
import { Rng } from '../util/rng.js';
import { accelerateConvs, blockFromOptimizedModel, loweringReproducesPlain, nchwcBlockSize } from './nchwc.js';
import { Session } from './session.js';

function net(): Model {
  const b = new GraphBuilder('net');
  const x = b.input('x', 'float32', ['N', 16, 9, 9]);
  const w1 = b.input('w1', 'float32', [32, 16, 3, 3]);
  const bias = b.input('bias', 'float32', [32]);
  const h = b.op('Relu', [b.op('Conv', [x, w1, bias], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] })]);
  const w2 = b.input('w2', 'float32', [16, 32, 3, 3]);
  const d = b.op('Conv', [h, w2], { pads: [2, 2, 2, 2], dilations: [2, 2] });
  const s = b.op('Conv', [x, b.input('w3', 'float32', [16, 16, 1, 1])], { strides: [2, 2] });
  b.output(b.op('Add', [d, s]), 'y');
  return b.build(17);
}

async function run(m: Model, feeds: Record<string, Tensor>): Promise<Float32Array> {
  const s = await Session.create(m, { threads: 2 });
  try {
    return (await s.run(feeds)).y!.toFloat32();
  } finally {
    await s.release();
  }
}

test('blocked convolutions equal the plain ones (stride, padding, dilation, bias, shared input)', async (t) => {
  const block = await nchwcBlockSize();
  if (block === undefined) {
    t.skip('onnxruntime has no NCHWc kernels on this CPU');
    return;
  }
  assert.ok(block === 8 || block === 16);
  const rng = new Rng(5);
  const rand = (dims: number[]): Tensor => Tensor.f32(dims, Array.from({ length: dims.reduce((a, v) => a * v, 1) }, () => rng.normal()));
  const feeds = { x: rand([3, 16, 9, 9]), w1: rand([32, 16, 3, 3]), bias: rand([32]), w2: rand([16, 32, 3, 3]), w3: rand([16, 16, 1, 1]) };
  const want = await run(net(), feeds);
  const { model, modified } = await accelerateConvs(net());
  assert.equal(modified, true);
  assert.equal(model.graph.nodes.filter((n) => n.domain === NCHWC_DOMAIN && n.opType === 'Conv').length, 3);
  expectClose([...(await run(model, feeds))], [...want], { rtol: 1e-4, atol: 1e-4 });
});

test('block size read from onnxruntime: its own filter reorder matches the reference layout; the other block fails', async (t) => {
  const block = await blockFromOptimizedModel();
  if (block === undefined) {
    t.skip('onnxruntime has no NCHWc kernels on this CPU');
    return;
  }
  assert.ok(block === 8 || block === 16, `block ${block}`);
  assert.equal(await nchwcBlockSize(), block);
  assert.equal(await loweringReproducesPlain(block), true);
  assert.equal(await loweringReproducesPlain(block === 8 ? 16 : 8), false, 'a wrong block size is detectable');
});
